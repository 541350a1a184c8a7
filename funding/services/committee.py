"""The committee's sitting: meeting, decisions, minutes (PV) and notification letters.

A decision is recorded during a sitting (its date is the decision date), with a motive. It moves the dossier
through ``funding.workflows.dossier_transition`` (to_committee → selected / waiting_list / not_selected;
waiting_list → selected). Selecting more dossiers than the wave funds is allowed with a written reason (a warning,
not a block). A selection opens the grant when the protocol is declared. The letter is generated and sent to the
structure's coordinators once the decision is committed (Celery task, idempotent).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from funding.models import (
    CommitteeMeeting,
    Decision,
    DecisionOutcome,
    Dossier,
    DossierState,
    Grant,
    Review,
    Wave,
)
from funding.services import grants as grant_services
from funding.services.ranking import committee_rows, ranked_dossiers, wave_quota
from funding.tasks.committee import decision_letter_task
from funding.workflows import dossier_transition
from portal.access import get_scope
from portal.errors import ApplicationError
from portal.mail import mail_on_commit
from portal.models import RegionMembership, User
from portal.pdf import render_pdf, sha256_hex
from portal.roles import Role

LETTER_TEMPLATES = {
    DecisionOutcome.SELECTED: "funding/committee/pdf/letter_selected.html",
    DecisionOutcome.WAITING_LIST: "funding/committee/pdf/letter_waiting_list.html",
    DecisionOutcome.NOT_SELECTED: "funding/committee/pdf/letter_not_selected.html",
}


class OverQuota(ApplicationError):
    """Selecting this dossier exceeds the wave's number of projects: a reason is required."""


def _check_region_admin(region_id: int, by) -> None:
    if region_id not in get_scope(by).region_ids([Role.REGION_ADMIN]):
        raise ApplicationError("Cette action est réservée à l'administrateur régional de l'ARS.", code="forbidden")


def meeting_attendees(region) -> list[User]:
    """Who may be recorded present: the ARS's committee members and region admins."""
    return list(
        User.objects.filter(
            pk__in=RegionMembership.objects.filter(
                region=region, role__in=[Role.COMMITTEE_MEMBER, Role.REGION_ADMIN]
            ).values("user_id")
        ).order_by("last_name", "first_name", "email")
    )


@transaction.atomic
def meeting_save(
    *, wave: Wave, by, held_on, members_present: list[User], meeting: CommitteeMeeting | None = None
) -> CommitteeMeeting:
    """Open the sitting of a wave's committee (or correct its date and members until its minutes exist)."""
    campaign = wave.campaign
    _check_region_admin(campaign.region_id, by)
    allowed = {user.pk for user in meeting_attendees(campaign.region)}
    if not members_present:
        raise ValidationError({"members_present": "Indiquez les membres présents."})
    if any(user.pk not in allowed for user in members_present):
        raise ValidationError({"members_present": "Seuls les membres de la commission de l'ARS siègent."})
    if meeting is None:
        meeting = CommitteeMeeting(campaign=campaign, wave=wave)
    elif meeting.minutes:
        raise ApplicationError("Le procès-verbal est établi : la séance ne se modifie plus.")
    meeting.held_on = held_on
    meeting.full_clean()
    meeting.save()
    meeting.members_present.set(members_present)
    return meeting


def current_meeting(wave: Wave) -> CommitteeMeeting | None:
    return CommitteeMeeting.objects.filter(wave=wave).order_by("-held_on", "-pk").first()


@transaction.atomic
def decision_record(
    *,
    dossier: Dossier,
    outcome: str,
    motive: str,
    by,
    meeting: CommitteeMeeting,
    over_quota_reason: str = "",
) -> Decision:
    """Record the committee's decision on a dossier (or promote a waiting-list dossier to selected)."""
    dossier = Dossier.objects.select_related("campaign__region", "wave").get(pk=dossier.pk)
    _check_region_admin(dossier.campaign.region_id, by)
    if outcome not in DecisionOutcome.values:
        raise ValidationError({"outcome": "Choisissez une décision."})
    motive = motive.strip()
    if not motive:
        raise ValidationError({"motive": "Motivez la décision."})
    if meeting.wave_id != dossier.wave_id:
        raise ApplicationError("Cette séance ne porte pas sur la vague du dossier.")
    # The wave's row serialises selections: two admins cannot both take the last funded place.
    wave = Wave.objects.select_for_update(of=("self",)).get(pk=dossier.wave_id)
    existing = Decision.objects.select_for_update(of=("self",)).filter(dossier=dossier).first()
    promotion = existing is not None
    if promotion and not (existing.outcome == DecisionOutcome.WAITING_LIST and outcome == DecisionOutcome.SELECTED):
        raise ApplicationError("La commission s'est déjà prononcée sur ce dossier.", code="already_decided")
    over_quota_reason = over_quota_reason.strip()
    if outcome == DecisionOutcome.SELECTED:
        quota = wave_quota(wave)
        if quota.selected + 1 > quota.funded and not over_quota_reason:
            raise OverQuota(
                f"La vague {wave.number} finance {quota.funded} projet(s) et {quota.selected} sont déjà retenus : "
                "justifiez ce dépassement pour retenir ce dossier.",
                code="over_quota",
                field="over_quota_reason",
            )
    else:
        over_quota_reason = ""
    dossier_transition(dossier=dossier, to_state=outcome, by=by, motive=motive)
    decision = existing or Decision(dossier=dossier)
    decision.meeting = meeting
    decision.outcome = outcome
    decision.motive = motive
    decision.over_quota_reason = over_quota_reason
    decision.decided_by = by
    decision.decided_at = timezone.now()
    # A new outcome needs a new letter (the previous one stays in the decision's history).
    decision.letter, decision.letter_sha256, decision.letter_sent_at = "", "", None
    decision.full_clean()
    decision.save()
    if outcome == DecisionOutcome.SELECTED and grant_services.protocol_is_declared(dossier.protocol):
        grant_services.grant_open(dossier=dossier, by=by)
    decision_letter_task.delay_on_commit(decision.pk)
    return decision


# --- Letters --------------------------------------------------------------------------------------------------------


def letter_context(decision: Decision) -> dict:
    dossier = decision.dossier
    grant = Grant.objects.filter(dossier=dossier).first()
    rank = None
    if decision.outcome == DecisionOutcome.WAITING_LIST:
        # Position on the waiting list, in the committee's ranking order.
        waiting = [
            row.pk
            for row in ranked_dossiers(campaign=dossier.campaign, wave=dossier.wave).filter(
                state=DossierState.WAITING_LIST
            )
        ]
        rank = waiting.index(dossier.pk) + 1 if dossier.pk in waiting else None
    return {
        "decision": decision,
        "dossier": dossier,
        "structure": dossier.structure,
        "campaign": dossier.campaign,
        "region": dossier.campaign.region,
        "meeting": decision.meeting,
        "grant": grant,
        "waiting_rank": rank,
        "coordinators": list(User.objects.coordinators_of(dossier.structure_id).order_by("email")),
        "today": timezone.localdate(),
    }


def decision_letter_render(decision: Decision) -> bytes:
    return render_pdf(LETTER_TEMPLATES[decision.outcome], letter_context(decision))


@transaction.atomic
def decision_letter_send(*, decision_id: int) -> Decision | None:
    """Generate the decision's letter (PDF with the ARS letterhead), store it with its hash and e-mail it to the
    structure's coordinators. Idempotent: a letter already sent for the current outcome is not sent again."""
    decision = (
        Decision.objects.select_for_update(of=("self",))
        .select_related("dossier__structure", "dossier__campaign__region", "meeting")
        .filter(pk=decision_id)
        .first()
    )
    if decision is None or (decision.letter and decision.letter_sent_at):
        return decision
    pdf = decision_letter_render(decision)
    name = f"decision-{decision.dossier.reference}.pdf"
    decision.letter.save(name, ContentFile(pdf), save=False)
    decision.letter_sha256 = sha256_hex(pdf)
    decision.letter_sent_at = timezone.now()
    decision.save(update_fields=["letter", "letter_sha256", "letter_sent_at"])
    mail_on_commit(
        subject=f"Décision de la commission — {decision.dossier.reference}",
        template="funding/committee/emails/decision.txt",
        context={**letter_context(decision), "site_url": settings.SITE_URL},
        recipients=User.objects.coordinators_of(decision.dossier.structure_id).emails(),
        attachments=[(name, pdf, "application/pdf")],
    )
    return decision


# --- Minutes (PV) ---------------------------------------------------------------------------------------------------


def minutes_context(meeting: CommitteeMeeting) -> dict:
    campaign, wave = meeting.campaign, meeting.wave
    dossiers = ranked_dossiers(campaign=campaign, wave=wave, sort="rang")
    rows = committee_rows(campaign=campaign, dossiers=dossiers)
    conflicts = (
        Review.objects.filter(assignment__dossier__wave=wave, conflict_of_interest=True)
        .select_related("assignment__reviewer", "assignment__dossier__structure")
        .order_by("assignment__dossier__reference", "assignment__reviewer__last_name")
    )
    return {
        "meeting": meeting,
        "campaign": campaign,
        "wave": wave,
        "region": campaign.region,
        "rows": rows,
        "members": meeting.members_present.order_by("last_name", "first_name"),
        "conflicts": conflicts,
        "quota": wave_quota(wave),
        "criteria": campaign.criteria.filter(parent__isnull=True).order_by("position", "code"),
        "generated_at": timezone.localtime(),
    }


@transaction.atomic
def meeting_minutes_generate(*, meeting: CommitteeMeeting, by) -> CommitteeMeeting:
    """Generate the minutes (PV) of the sitting: members present, conflicts of interest, ranking and decisions.
    Generated again after later decisions (e.g. a promotion), the new PDF replaces the previous one, whose hash
    stays in the history."""
    meeting = (
        CommitteeMeeting.objects.select_for_update(of=("self",))
        .select_related("campaign__region", "wave")
        .get(pk=meeting.pk)
    )
    _check_region_admin(meeting.campaign.region_id, by)
    undecided = Dossier.objects.filter(wave=meeting.wave, state=DossierState.TO_COMMITTEE).count()
    if undecided:
        raise ApplicationError(f"{undecided} dossier(s) attendent encore une décision : le PV viendra ensuite.")
    pdf = render_pdf("funding/committee/pdf/minutes.html", minutes_context(meeting))
    meeting.minutes.save(f"pv-commission-{meeting.held_on:%Y-%m-%d}.pdf", ContentFile(pdf), save=False)
    meeting.minutes_sha256 = sha256_hex(pdf)
    meeting.minutes_generated_at = timezone.now()
    meeting.save(update_fields=["minutes", "minutes_sha256", "minutes_generated_at"])
    return meeting
