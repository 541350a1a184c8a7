"""The committee's sitting, for the region admin: ranking page, meeting, decisions, minutes, reviews' details."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from funding.forms.committee import DecisionForm, MeetingForm, ReasonForm
from funding.models import Criterion, DecisionOutcome, DossierState, Grant, Review, ReviewState
from funding.services import committee as committee_services
from funding.services import reviews as review_services
from funding.services.grid import scored_criteria
from funding.services.ranking import committee_rows, committee_waves, ranked_dossiers, wave_quota
from funding.views.common import (
    get_campaign_for_admin,
    get_dossier_for_admin,
    get_meeting_for_admin,
    get_review_for_admin,
    get_wave_for_admin,
)
from portal.decorators import role_required
from portal.errors import SERVICE_ERRORS, add_form_error
from portal.roles import Role
from portal.uploads import serve_private_file

PAGE_SIZE = 50


def _meeting_form(wave, meeting=None, data=None):
    attendees = committee_services.meeting_attendees(wave.campaign.region)
    initial = {}
    if meeting is not None:
        initial = {
            "held_on": meeting.held_on,
            "members_present": [str(user.pk) for user in meeting.members_present.all()],
        }
    elif wave.committee_date or wave.campaign.committee_date:
        initial = {"held_on": wave.committee_date or wave.campaign.committee_date}
    return MeetingForm(data, attendees=attendees, initial=initial)


@role_required(Role.REGION_ADMIN)
@require_GET
def committee_page(request, campaign_id):
    """One row per dossier of the wave: each reviewer's score, mean, spread, priority flag, rank, decision."""
    campaign = get_campaign_for_admin(request.user, campaign_id)
    waves = committee_waves(campaign)
    if not waves:
        return render(request, "funding/committee/page.html", {"campaign": campaign, "waves": []})
    by_number = {str(wave.number): wave for wave in waves}
    wave = by_number.get(request.GET.get("vague", "")) or next(
        (wave for wave in reversed(waves) if wave.committee_count), waves[-1]
    )
    sort = request.GET.get("tri", "rang")
    page = Paginator(ranked_dossiers(campaign=campaign, wave=wave, sort=sort), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = committee_rows(campaign=campaign, dossiers=page.object_list)
    grants = {grant.dossier_id: grant for grant in Grant.objects.filter(dossier__in=[row.dossier for row in rows])}
    for row in rows:
        row.grant = grants.get(row.dossier.pk)
    meeting = committee_services.current_meeting(wave)
    return render(
        request,
        "funding/committee/page.html",
        {
            "campaign": campaign,
            "waves": waves,
            "wave": wave,
            "page": page,
            "rows": rows,
            "sort": sort,
            "quota": wave_quota(wave),
            "meeting": meeting,
            "members": meeting.members_present.order_by("last_name") if meeting else [],
            "meeting_form": None if meeting else _meeting_form(wave),
        },
    )


@role_required(Role.REGION_ADMIN)
@require_http_methods(["GET", "POST"])
def committee_meeting(request, wave_id):
    """Open the wave's sitting (date, members present), or correct it until its minutes are drawn up."""
    wave = get_wave_for_admin(request.user, wave_id)
    meeting = committee_services.current_meeting(wave)
    form = _meeting_form(wave, meeting, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            committee_services.meeting_save(wave=wave, by=request.user, meeting=meeting, **form.cleaned_data)
        except SERVICE_ERRORS as error:
            add_form_error(form, error)
        else:
            messages.success(request, "La séance de la commission est enregistrée.")
            return redirect(_page_url(wave))
    return render(
        request,
        "funding/committee/meeting_form.html",
        {"wave": wave, "campaign": wave.campaign, "meeting": meeting, "form": form},
        status=400 if form.errors else 200,
    )


def _page_url(wave) -> str:
    return reverse("funding:committee_page", kwargs={"campaign_id": wave.campaign_id}) + f"?vague={wave.number}"


@role_required(Role.REGION_ADMIN)
@require_POST
def committee_minutes_generate(request, meeting_id):
    meeting = get_meeting_for_admin(request.user, meeting_id)
    try:
        committee_services.meeting_minutes_generate(meeting=meeting, by=request.user)
    except SERVICE_ERRORS as error:
        messages.error(request, getattr(error, "message", None) or " ".join(error.messages))
    else:
        messages.success(request, "Le procès-verbal est établi.")
    return redirect(_page_url(meeting.wave))


@role_required(Role.REGION_ADMIN)
@require_GET
def committee_minutes_download(request, meeting_id):
    meeting = get_meeting_for_admin(request.user, meeting_id)
    if not meeting.minutes:
        messages.info(request, "Le procès-verbal n'est pas encore établi.")
        return redirect(_page_url(meeting.wave))
    return serve_private_file(meeting.minutes, f"PV commission {meeting.held_on:%Y-%m-%d}.pdf")


@role_required(Role.REGION_ADMIN)
@require_http_methods(["GET", "POST"])
def committee_decision(request, dossier_id):
    """Decide on a dossier (selected, waiting list, not selected) or promote it from the waiting list."""
    dossier = get_dossier_for_admin(request.user, dossier_id)
    wave = dossier.wave
    meeting = committee_services.current_meeting(wave)
    outcomes = {
        DossierState.TO_COMMITTEE: DecisionOutcome.values,
        DossierState.WAITING_LIST: [DecisionOutcome.SELECTED],
    }.get(dossier.state, [])
    form = DecisionForm(request.POST if request.method == "POST" else None, outcomes=outcomes)
    quota = wave_quota(wave)
    if request.method == "POST" and form.is_valid():
        if meeting is None or not outcomes:
            form.add_error(None, "Ouvrez d'abord la séance de la commission." if outcomes else "Dossier déjà décidé.")
        else:
            try:
                decision = committee_services.decision_record(
                    dossier=dossier, by=request.user, meeting=meeting, **form.cleaned_data
                )
            except SERVICE_ERRORS as error:
                add_form_error(form, error)
            else:
                messages.success(
                    request,
                    f"{dossier.reference} : {decision.get_outcome_display()}. Le courrier part au porteur.",
                )
                return redirect(_page_url(wave))
    ranked = ranked_dossiers(campaign=dossier.campaign, wave=wave).filter(pk=dossier.pk)
    rows = committee_rows(campaign=dossier.campaign, dossiers=ranked)
    return render(
        request,
        "funding/committee/decision_form.html",
        {
            "dossier": dossier,
            "campaign": dossier.campaign,
            "wave": wave,
            "meeting": meeting,
            "row": rows[0] if rows else None,
            "form": form,
            "quota": quota,
            "outcomes": outcomes,
        },
        status=400 if form.errors else 200,
    )


@role_required(Role.REGION_ADMIN)
@require_GET
def committee_review_detail(request, review_id):
    """A review as the admin reads it (notes, comments, conflict), with its reopenings and the reopen form."""
    review = get_review_for_admin(request.user, review_id)
    return render(request, "funding/committee/review_detail.html", _review_detail_context(review, ReasonForm()))


def _review_detail_context(review: Review, form) -> dict:
    dossier = review.assignment.dossier
    scored = scored_criteria(Criterion.objects.filter(campaign_id=dossier.campaign_id))
    scores = {score.criterion_id: score for score in review.scores.all()}
    return {
        "review": review,
        "dossier": dossier,
        "campaign": dossier.campaign,
        "lines": [(item, scores.get(item.criterion.pk)) for item in scored],
        "reopenings": review.reopenings.select_related("by").order_by("at"),
        "form": form,
        "can_reopen": review.state == ReviewState.SUBMITTED and dossier.state == DossierState.TO_COMMITTEE,
    }


@role_required(Role.REGION_ADMIN)
@require_POST
def committee_review_reopen(request, review_id):
    review = get_review_for_admin(request.user, review_id)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            review_services.review_reopen(review=review, by=request.user, reason=form.cleaned_data["reason"])
        except SERVICE_ERRORS as error:
            add_form_error(form, error)
        else:
            messages.success(request, f"L'évaluation de {review.assignment.reviewer} est rouverte.")
            return redirect("funding:committee_review_detail", review_id=review.pk)
    return render(request, "funding/committee/review_detail.html", _review_detail_context(review, form), status=400)
