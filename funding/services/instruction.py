"""Writes of the ARS instructor on a dossier: start, admissibility checklist, complements, admissible or not,
transmission to the committee, private notes; and the coordinator's answer to a complement request.

Instruction follows seed 000: (a) administrative regularity and completeness, then (b) fit of the answer to the
needs. Each step is recorded with who, when and a motive (``InstructionCheck``); the dossier is declared
admissible only when the three steps are recorded as compliant.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone

from funding.dossier_sections import SECTIONS_BY_KEY
from funding.models import ComplementRequest, Dossier, DossierState, InstructionCheck, InstructionNote
from funding.services.completeness import dossier_completeness
from funding.services.dossiers import lock_dossier, require_coordinator
from funding.services.notifications import notify_complement_provided, notify_complement_requested, notify_inadmissible
from funding.services.snapshots import build_complement_answer, sha256_of
from funding.workflows import dossier_transition
from portal.access import get_scope
from portal.errors import ApplicationError
from portal.roles import Role

S = DossierState
Step = InstructionCheck.Step
CHECKABLE_STATES = {S.UNDER_INSTRUCTION, S.COMPLEMENT_PROVIDED}
COMPLEMENT_FROM_STATES = {S.UNDER_INSTRUCTION, S.COMPLEMENT_PROVIDED}


def require_agent(dossier: Dossier, by, roles=(Role.INSTRUCTOR,)) -> None:
    if dossier.campaign.region_id not in get_scope(by).region_ids(roles):
        raise ApplicationError(
            "Seul un instructeur de l'ARS de la campagne peut instruire ce dossier.", code="forbidden"
        )


@transaction.atomic
def dossier_start_instruction(*, dossier: Dossier, by, now=None) -> Dossier:
    locked = lock_dossier(dossier)
    require_agent(locked, by)
    return dossier_transition(dossier=locked, to_state=S.UNDER_INSTRUCTION, by=by, at=now)


@transaction.atomic
def instruction_check_record(*, dossier: Dossier, by, step: str, outcome: str, motive: str, now=None):
    """Record (or record again) one step of the checklist. Fit to the needs comes after regularity and
    completeness have been found compliant."""
    locked = lock_dossier(dossier)
    require_agent(locked, by)
    if locked.state not in CHECKABLE_STATES:
        raise ApplicationError(
            f"Le dossier est « {locked.get_state_display()} » : les contrôles se font pendant l'instruction.",
            code="not_in_instruction",
        )
    if not motive.strip():
        raise ApplicationError("Motivez le résultat du contrôle.", code="motive_required", field="motive")
    if step == Step.FIT_TO_NEEDS:
        compliant = set(
            locked.checks.filter(outcome=InstructionCheck.Outcome.OK).values_list("step", flat=True).order_by()
        )
        if not {Step.ADMINISTRATIVE, Step.COMPLETENESS} <= compliant:
            raise ApplicationError(
                "L'adéquation aux besoins s'examine une fois la régularité administrative et la complétude "
                "reconnues conformes.",
                code="checklist_order",
            )
    check = locked.checks.filter(step=step).first() or InstructionCheck(dossier=locked, step=step)
    check.outcome, check.motive = outcome, motive.strip()
    check.checked_by, check.checked_at = by, now or timezone.now()
    check.full_clean()
    check.save()
    return check


def missing_checks(dossier: Dossier) -> list[str]:
    compliant = set(dossier.checks.filter(outcome=InstructionCheck.Outcome.OK).values_list("step", flat=True))
    return [str(label) for value, label in Step.choices if value not in compliant]


@transaction.atomic
def complement_request_create(
    *, dossier: Dossier, by, items: list[str], sections: list[str], due_on: date, message: str = "", now=None
) -> ComplementRequest:
    """Ask the coordinator for complements: the listed items, before ``due_on``; only the named sections
    reopen for editing."""
    locked = lock_dossier(dossier)
    require_agent(locked, by)
    if locked.state not in COMPLEMENT_FROM_STATES:
        raise ApplicationError(
            f"Le dossier est « {locked.get_state_display()} » : des compléments se demandent pendant l'instruction.",
            code="not_in_instruction",
        )
    items = [item.strip() for item in items if item.strip()]
    if not items:
        raise ApplicationError("Listez au moins un élément demandé.", code="items_required", field="items")
    unknown = [key for key in sections if key not in SECTIONS_BY_KEY]
    if not sections or unknown:
        raise ApplicationError("Choisissez les rubriques à rouvrir.", code="sections_required", field="sections")
    now = now or timezone.now()
    if due_on <= timezone.localdate(now):
        raise ApplicationError("La date limite doit être postérieure à aujourd'hui.", code="due_on", field="due_on")
    request = ComplementRequest(
        dossier=locked,
        items=items,
        sections=list(sections),
        message=message.strip(),
        due_on=due_on,
        requested_by=by,
        requested_at=now,
    )
    request.full_clean()
    request.save()
    dossier_transition(
        dossier=locked,
        to_state=S.COMPLEMENT_REQUESTED,
        by=by,
        at=now,
        motive="\n".join(items),
        reopened_sections=list(sections),
    )
    notify_complement_requested(request)
    return request


@transaction.atomic
def complement_provide(*, dossier: Dossier, by, answer: str, now=None) -> ComplementRequest:
    """The coordinator transmits the complements: the reopened sections must be complete; they are frozen with
    the answer (and their hash) on the request, and close again."""
    locked = lock_dossier(dossier)
    require_coordinator(locked, by)
    if locked.state != S.COMPLEMENT_REQUESTED:
        raise ApplicationError("Aucun complément n'est attendu sur ce dossier.", code="no_request")
    request = (
        ComplementRequest.objects.select_for_update(of=("self",))
        .filter(dossier=locked, answered_at__isnull=True)
        .order_by("-requested_at")
        .first()
    )
    if request is None:
        raise ApplicationError("Aucun complément n'est attendu sur ce dossier.", code="no_request")
    if not answer.strip():
        raise ApplicationError("Décrivez les compléments apportés.", code="answer_required", field="answer")
    reopened = list(locked.reopened_sections)
    completeness = dossier_completeness(locked).for_sections(reopened)
    if not completeness.is_complete:
        titles = ", ".join(status.section.title for status in completeness.sections if not status.is_complete)
        raise ApplicationError(f"Des rubriques rouvertes restent incomplètes : {titles}.", code="incomplete")
    now = now or timezone.now()
    content = build_complement_answer(
        locked, sections=reopened, answer=answer.strip(), answered_at=now, answered_by=by
    )
    request.answer = answer.strip()
    request.answered_by, request.answered_at = by, now
    request.answer_snapshot, request.answer_sha256 = content, sha256_of(content)
    request.save()
    dossier_transition(dossier=locked, to_state=S.COMPLEMENT_PROVIDED, by=by, at=now, reopened_sections=[])
    notify_complement_provided(request)
    return request


@transaction.atomic
def dossier_declare_admissible(*, dossier: Dossier, by, motive: str = "", now=None) -> Dossier:
    locked = lock_dossier(dossier)
    require_agent(locked, by)
    missing = missing_checks(locked)
    if missing:
        raise ApplicationError(
            "Le dossier ne peut être déclaré recevable qu'une fois les contrôles conformes : "
            + ", ".join(missing)
            + ".",
            code="checks_missing",
        )
    return dossier_transition(dossier=locked, to_state=S.ADMISSIBLE, by=by, at=now, motive=motive.strip())


@transaction.atomic
def dossier_declare_inadmissible(*, dossier: Dossier, by, reason: str, now=None) -> Dossier:
    locked = lock_dossier(dossier)
    require_agent(locked, by)
    if not reason.strip():
        raise ApplicationError("Indiquez le motif d'irrecevabilité.", code="reason_required", field="reason")
    result = dossier_transition(
        dossier=locked,
        to_state=S.INADMISSIBLE,
        by=by,
        at=now,
        motive=reason.strip(),
        inadmissibility_reason=reason.strip(),
        reopened_sections=[],
    )
    notify_inadmissible(result)
    return result


@transaction.atomic
def dossier_send_to_committee(*, dossier: Dossier, by, now=None) -> Dossier:
    locked = lock_dossier(dossier)
    require_agent(locked, by, roles=(Role.INSTRUCTOR, Role.REGION_ADMIN))
    return dossier_transition(dossier=locked, to_state=S.TO_COMMITTEE, by=by, at=now)


@dataclass
class BulkResult:
    done: list[Dossier] = field(default_factory=list)
    refused: list[tuple[Dossier, str]] = field(default_factory=list)


BULK_ACTIONS = {
    "start_instruction": ("Commencer l'instruction", dossier_start_instruction),
    "send_to_committee": ("Transmettre à la commission", dossier_send_to_committee),
}


def dossiers_bulk_action(*, dossiers, by, action: str) -> BulkResult:
    """Apply one action to each dossier on its own (a refused dossier does not stop the others)."""
    if action not in BULK_ACTIONS:
        raise ApplicationError("Action inconnue.", code="unknown_action", field="action")
    service = BULK_ACTIONS[action][1]
    result = BulkResult()
    for dossier in dossiers:
        try:
            with transaction.atomic():
                service(dossier=dossier, by=by)
        except ApplicationError as error:
            result.refused.append((dossier, error.message))
        else:
            result.done.append(dossier)
    return result


@transaction.atomic
def instruction_note_add(*, dossier: Dossier, by, body: str, now=None) -> InstructionNote:
    """A private note on the dossier: ARS staff only, never shown to the structure."""
    require_agent(dossier, by, roles=(Role.INSTRUCTOR, Role.REGION_ADMIN))
    if not body.strip():
        raise ApplicationError("La note est vide.", code="body_required", field="body")
    note = InstructionNote(dossier=dossier, author=by, body=body.strip(), created_at=now or timezone.now())
    note.full_clean()
    note.save()
    return note
