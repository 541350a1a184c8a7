"""The committee member's pages: their assignments, the declaration of interests, the scoring form."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from funding.forms.committee import ConflictForm, ReviewForm
from funding.models import Criterion, Dossier, ReviewAssignment
from funding.services import reviews as review_services
from funding.services.grid import scored_criteria
from portal.decorators import role_required
from portal.errors import SERVICE_ERRORS, add_form_error
from portal.roles import Role
from protocols.models import TeamMembership
from protocols.models.team import TeamRole

PAGE_SIZE = 25
MEMBER = [Role.COMMITTEE_MEMBER]
# The answers of the dossier a reviewer reads before scoring (annex 1 of the AMI).
DOSSIER_SECTIONS = [
    "territory_description",
    "territory_needs",
    "delegation_modalities",
    "training_modalities",
    "quality_approach",
    "monitoring_evaluation",
    "subsidy_sharing",
]


def _get_assignment_for_reviewer(user, assignment_id) -> ReviewAssignment:
    # With the committee-member role only, the scoped queryset holds the user's own assignments.
    return get_object_or_404(
        ReviewAssignment.objects.visible_to(user, roles=MEMBER).select_related(
            "dossier__campaign__region", "dossier__structure", "dossier__protocol", "dossier__wave", "review"
        ),
        pk=assignment_id,
    )


@role_required(Role.COMMITTEE_MEMBER)
@require_GET
def review_list(request):
    assignments = (
        ReviewAssignment.objects.visible_to(request.user, roles=MEMBER)
        .select_related("dossier__structure", "dossier__campaign", "review")
        .order_by("dossier__campaign__title", "dossier__reference")
    )
    page = Paginator(assignments, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "funding/committee/review_list.html", {"page": page})


def _team_size(dossier) -> dict:
    if dossier.protocol_id is None:
        return {}
    members = TeamMembership.objects.filter(protocol_id=dossier.protocol_id).active_on(timezone.localdate())
    roles = list(members.values_list("role", flat=True))
    return {"delegants": roles.count(TeamRole.DELEGANT), "delegates": roles.count(TeamRole.DELEGATE)}


def _lines(scored, scores) -> list:
    return [(item, scores.get(item.criterion.pk)) for item in scored]


def _review_context(assignment, *, form=None, conflict_form=None) -> dict:
    dossier = assignment.dossier
    review = getattr(assignment, "review", None)
    context = {"assignment": assignment, "dossier": dossier, "review": review, "campaign": dossier.campaign}
    if review is None:
        context["conflict_form"] = conflict_form or ConflictForm()
        return context
    if review.conflict_of_interest:
        return context
    criteria = list(Criterion.objects.filter(campaign_id=dossier.campaign_id))
    scored = scored_criteria(criteria)
    scores = {score.criterion_id: score for score in review.scores.all()}
    context.update(
        scored=scored,
        scores=scores,
        team=_team_size(dossier),
        form=form or ReviewForm(scored=scored, scores=scores, initial={"general_comment": review.general_comment}),
        others=[
            (other, _lines(scored, {score.criterion_id: score for score in other.scores.all()}))
            for other in review_services.other_reviews(assignment=assignment)
        ],
        lines=_lines(scored, scores),
        dossier_sections=[
            (Dossier._meta.get_field(name).verbose_name.capitalize(), getattr(dossier, name))
            for name in DOSSIER_SECTIONS
        ],
    )
    return context


@role_required(Role.COMMITTEE_MEMBER)
@require_http_methods(["GET", "POST"])
def review_edit(request, assignment_id):
    """GET: the declaration of interests first, then the dossier and the scoring form (or the locked review).
    POST: save a draft (button or htmx autosave) or submit."""
    assignment = _get_assignment_for_reviewer(request.user, assignment_id)
    if request.method == "GET":
        return render(request, "funding/committee/review_edit.html", _review_context(assignment))
    review = getattr(assignment, "review", None)
    if review is None or review.conflict_of_interest:
        messages.error(request, "Déclarez d'abord vos liens d'intérêts." if review is None else "Vous ne notez pas.")
        return redirect("funding:review_edit", assignment_id=assignment.pk)
    scored = scored_criteria(Criterion.objects.filter(campaign_id=assignment.dossier.campaign_id))
    form = ReviewForm(request.POST, scored=scored, scores={s.criterion_id: s for s in review.scores.all()})
    action = request.POST.get("action", "draft")
    if form.is_valid():
        arguments = {
            "review": review,
            "by": request.user,
            "notes": form.notes(),
            "general_comment": form.cleaned_data["general_comment"],
        }
        try:
            if action == "submit":
                review_services.review_submit(**arguments)
            else:
                review_services.review_save_draft(**arguments)
        except SERVICE_ERRORS as error:
            add_form_error(form, error)
        else:
            if request.htmx:
                return render(
                    request, "funding/committee/includes/draft_status.html", {"saved_at": timezone.localtime()}
                )
            if action == "submit":
                messages.success(request, "Votre évaluation est soumise. Elle est désormais verrouillée.")
            else:
                messages.success(request, "Brouillon enregistré.")
            return redirect("funding:review_edit", assignment_id=assignment.pk)
    if request.htmx:
        return render(request, "funding/committee/includes/draft_status.html", {"form": form}, status=400)
    assignment.refresh_from_db()
    return render(request, "funding/committee/review_edit.html", _review_context(assignment, form=form), status=400)


@role_required(Role.COMMITTEE_MEMBER)
@require_POST
def review_declare(request, assignment_id):
    assignment = _get_assignment_for_reviewer(request.user, assignment_id)
    form = ConflictForm(request.POST)
    if form.is_valid():
        try:
            review = review_services.review_declare_conflict(
                assignment=assignment,
                by=request.user,
                conflict=form.cleaned_data["conflict"],
                details=form.cleaned_data["conflict_details"],
            )
        except SERVICE_ERRORS as error:
            add_form_error(form, error)
        else:
            if review.conflict_of_interest:
                messages.info(request, "Votre lien d'intérêts est enregistré : vous ne notez pas ce dossier.")
            else:
                messages.success(request, "Déclaration enregistrée : vous pouvez évaluer le dossier.")
            return redirect("funding:review_edit", assignment_id=assignment.pk)
    return render(
        request, "funding/committee/review_edit.html", _review_context(assignment, conflict_form=form), status=400
    )
