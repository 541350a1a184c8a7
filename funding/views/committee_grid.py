"""The region admin's committee set-up: campaigns, scoring grid, committee rules, assignments of reviewers."""

from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from funding.forms.committee import CommitteeSettingsForm, CriterionForm, GridWeightsForm, initial_for_criterion
from funding.models import Campaign, Criterion, Dossier, ReviewAssignment, ReviewState
from funding.services import grid as grid_services
from funding.services import reviews as review_services
from funding.services.ranking import COMMITTEE_STATES
from funding.services.reviews import REVIEWABLE_STATES
from funding.views.common import ADMIN, get_campaign_for_admin, get_criterion_for_admin
from portal.decorators import role_required
from portal.errors import SERVICE_ERRORS, add_form_error
from portal.roles import Role


@role_required(Role.REGION_ADMIN)
@require_GET
def committee_home(request):
    """The admin's campaigns, with where the committee stands on each."""
    counted = Q(dossiers__assignments__review__state=ReviewState.SUBMITTED)
    campaigns = (
        Campaign.objects.visible_to(request.user, roles=ADMIN)
        .select_related("region")
        .annotate(
            committee_count=Count("dossiers", filter=Q(dossiers__state__in=COMMITTEE_STATES), distinct=True),
            criteria_count=Count("criteria", distinct=True),
            submitted_count=Count("dossiers__assignments__review", filter=counted, distinct=True),
            assigned_count=Count("dossiers__assignments", distinct=True),
        )
        .order_by("-published_at", "-created_at")
    )
    return render(request, "funding/committee/home.html", {"campaigns": campaigns})


def _grid_context(campaign: Campaign, **extra) -> dict:
    criteria = list(Criterion.objects.filter(campaign=campaign).order_by("position", "code"))
    tops = [criterion for criterion in criteria if not criterion.parent_id]
    children = {top.pk: [c for c in criteria if c.parent_id == top.pk] for top in tops}
    scored = {item.criterion.pk: item for item in grid_services.scored_criteria(criteria)}
    frozen = grid_services.grid_is_frozen(campaign)
    weights_form = extra.pop("weights_form", None)
    if weights_form is None and criteria and not frozen:
        weights_form = GridWeightsForm(criteria=criteria)
    return {
        "campaign": campaign,
        "weight_problems": grid_services.weight_problems(criteria) if criteria else [],
        "portal_proposal": grid_services.is_portal_proposal(criteria),
        "weights_form": weights_form,
        "tree": [
            (top, [(child, scored.get(child.pk)) for child in children[top.pk]], scored.get(top.pk)) for top in tops
        ],
        "scored": scored,
        "frozen": frozen,
        "criterion_form": extra.pop("criterion_form", None) or (None if frozen else CriterionForm(parents=tops)),
        "settings_form": extra.pop("settings_form", None)
        or CommitteeSettingsForm(
            initial={
                "priority_rule": campaign.priority_rule,
                "priority_bonus": campaign.priority_bonus,
                "disagreement_gap": campaign.disagreement_gap,
                "min_reviewers": campaign.min_reviewers,
            }
        ),
        **extra,
    }


@role_required(Role.REGION_ADMIN)
@require_http_methods(["GET", "POST"])
def committee_grid(request, campaign_id):
    """The scoring grid: criteria and sub-criteria with their weights; add a criterion while it is not frozen."""
    campaign = get_campaign_for_admin(request.user, campaign_id)
    if request.method == "GET":
        return render(request, "funding/committee/grid.html", _grid_context(campaign))
    tops = list(Criterion.objects.filter(campaign=campaign, parent__isnull=True))
    form = CriterionForm(request.POST, parents=tops)
    if form.is_valid():
        try:
            criterion = grid_services.criterion_create(campaign=campaign, by=request.user, **form.cleaned_data)
        except SERVICE_ERRORS as error:
            add_form_error(form, error)
        else:
            messages.success(request, f"Le critère {criterion.code} est ajouté à la grille.")
            return redirect("funding:committee_grid", campaign_id=campaign.pk)
    return render(request, "funding/committee/grid.html", _grid_context(campaign, criterion_form=form), status=400)


@role_required(Role.REGION_ADMIN)
@require_POST
def committee_grid_weights(request, campaign_id):
    """The weighting the ARS retains: every weight of the grid at once, totals checked by the service."""
    campaign = get_campaign_for_admin(request.user, campaign_id)
    criteria = list(Criterion.objects.filter(campaign=campaign).order_by("position", "code"))
    form = GridWeightsForm(request.POST, criteria=criteria)
    if form.is_valid():
        try:
            grid_services.grid_weights_update(campaign=campaign, by=request.user, weights=form.weights())
        except SERVICE_ERRORS as error:
            add_form_error(form, error)
        else:
            messages.success(request, "La pondération retenue par l'ARS est enregistrée.")
            return redirect("funding:committee_grid", campaign_id=campaign.pk)
    return render(request, "funding/committee/grid.html", _grid_context(campaign, weights_form=form), status=400)


@role_required(Role.REGION_ADMIN)
@require_POST
def committee_grid_model(request, campaign_id):
    campaign = get_campaign_for_admin(request.user, campaign_id)
    try:
        grid_services.grid_load_paca_model(campaign=campaign, by=request.user)
    except SERVICE_ERRORS as error:
        messages.error(request, getattr(error, "message", None) or " ".join(error.messages))
    else:
        messages.success(
            request,
            "Les critères de l'AMI (1 et 2 et leurs sous-critères) sont chargés, avec la pondération que propose le "
            "portail : gardez-la ou changez-la.",
        )
    return redirect("funding:committee_grid", campaign_id=campaign.pk)


@role_required(Role.REGION_ADMIN)
@require_http_methods(["GET", "POST"])
def committee_criterion_edit(request, criterion_id):
    criterion = get_criterion_for_admin(request.user, criterion_id)
    form = CriterionForm(request.POST or None, initial=initial_for_criterion(criterion), with_parent=False)
    if request.method == "POST" and form.is_valid():
        try:
            grid_services.criterion_update(criterion=criterion, by=request.user, **form.cleaned_data)
        except SERVICE_ERRORS as error:
            add_form_error(form, error)
        else:
            messages.success(request, f"Le critère {criterion.code} est modifié.")
            return redirect("funding:committee_grid", campaign_id=criterion.campaign_id)
    return render(
        request,
        "funding/committee/criterion_form.html",
        {"criterion": criterion, "campaign": criterion.campaign, "form": form},
        status=400 if form.errors else 200,
    )


@role_required(Role.REGION_ADMIN)
@require_POST
def committee_criterion_delete(request, criterion_id):
    criterion = get_criterion_for_admin(request.user, criterion_id)
    try:
        grid_services.criterion_delete(criterion=criterion, by=request.user)
    except SERVICE_ERRORS as error:
        messages.error(request, getattr(error, "message", None) or " ".join(error.messages))
    else:
        messages.success(request, f"Le critère {criterion.code} est retiré de la grille.")
    return redirect("funding:committee_grid", campaign_id=criterion.campaign_id)


@role_required(Role.REGION_ADMIN)
@require_POST
def committee_settings(request, campaign_id):
    campaign = get_campaign_for_admin(request.user, campaign_id)
    form = CommitteeSettingsForm(request.POST)
    if form.is_valid():
        try:
            grid_services.committee_settings_update(campaign=campaign, by=request.user, **form.cleaned_data)
        except SERVICE_ERRORS as error:
            add_form_error(form, error)
        else:
            messages.success(request, "Les règles de la commission sont enregistrées.")
            return redirect("funding:committee_grid", campaign_id=campaign.pk)
    campaign.refresh_from_db()
    return render(request, "funding/committee/grid.html", _grid_context(campaign, settings_form=form), status=400)


@role_required(Role.REGION_ADMIN)
@require_http_methods(["GET", "POST"])
def committee_assignments(request, campaign_id):
    """Assign committee members to the dossiers before the committee: one row per dossier, one box per member."""
    campaign = get_campaign_for_admin(request.user, campaign_id)
    members = review_services.committee_members(campaign.region)
    dossiers = list(
        Dossier.objects.filter(campaign=campaign, state__in=REVIEWABLE_STATES)
        .select_related("structure", "wave")
        .order_by("wave__number", "reference")
    )
    assignments = ReviewAssignment.objects.filter(dossier__in=dossiers).select_related("review")
    current = {(a.dossier_id, a.reviewer_id): a for a in assignments}
    errors = []
    if request.method == "POST":
        wanted = {
            dossier.pk: {
                member.pk for member in members if request.POST.get(f"assign-{dossier.pk}-{member.pk}") == "on"
            }
            for dossier in dossiers
        }
        try:
            changes = review_services.assignments_update(campaign=campaign, wanted=wanted, by=request.user)
        except SERVICE_ERRORS as error:
            errors = [getattr(error, "message", None) or " ".join(error.messages)]
        else:
            messages.success(
                request,
                f"Affectations enregistrées : {len(changes.created)} ajoutée(s), {changes.removed} retirée(s).",
            )
            for kept in changes.kept_started:
                messages.warning(
                    request,
                    f"{kept.reviewer} a commencé l'évaluation de {kept.dossier.reference} : l'affectation reste.",
                )
            return redirect("funding:committee_assignments", campaign_id=campaign.pk)
    rows = []
    for dossier in dossiers:
        cells = []
        for member in members:
            assignment = current.get((dossier.pk, member.pk))
            review = getattr(assignment, "review", None) if assignment else None
            cells.append({"member": member, "assignment": assignment, "review": review})
        usable = sum(
            1 for cell in cells if cell["assignment"] and not getattr(cell["review"], "conflict_of_interest", False)
        )
        rows.append({"dossier": dossier, "cells": cells, "short": usable < campaign.min_reviewers})
    return render(
        request,
        "funding/committee/assignments.html",
        {"campaign": campaign, "members": members, "rows": rows, "errors": errors},
        status=400 if errors else 200,
    )
