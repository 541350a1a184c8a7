"""The ARS ends a protocol's implementation at its structure (seed 001: it "peut suspendre ou annuler la mise en
œuvre d'un protocole de coopération"): the transition declared → ended (``protocols.models.ending``), then the letter
to the coordinators.

- ``protocol_end``: an instructor or the region admin of the protocol's region, from a declared protocol (suspended
  or not), with a ground, a motive and the last day covered (not before the declaration). Interventions after that day
  are excluded (``protocole_termine``, ``protocols.eligibility_rules``); an open suspension is lifted the next day (the
  end takes over); the funding layer cuts the protocol's funding line at that day on the eligibility signal. Final: an
  ended protocol is never reopened.
- ``protocol_end_letter_send`` (Celery, after the commit): renders the letter with the ARS letterhead, stores it with
  its SHA-256 and e-mails it to the coordinators (the e-mail goes even when the PDF libraries are missing: the page
  then renders the letter on demand, ``protocol_end_letter_ensure``).
"""

import datetime
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from portal.errors import ApplicationError
from portal.mail import mail_on_commit, notifications_on
from portal.models import User
from portal.pdf import PdfUnavailable, render_pdf, sha256_hex
from protocols.models import EndGround, Protocol, ProtocolEnding, ProtocolEvent, ProtocolStatus, Suspension, can_end
from protocols.models.ending import ENDED_STATE, ENDING_ROLES
from protocols.services.common import is_agent, lock_protocol, notify_eligibility_change, record_event

logger = logging.getLogger(__name__)
ONE_DAY = datetime.timedelta(days=1)


def end_refusal(protocol: Protocol, by) -> ApplicationError:
    """Why ``by`` may not end ``protocol`` (called when ``can_end`` said no)."""
    if not is_agent(by, protocol, *ENDING_ROLES):
        return ApplicationError(
            "Seuls un instructeur ou l'administrateur régional de l'ARS de la structure annulent la mise en œuvre "
            "d'un protocole.",
            code="forbidden",
        )
    if protocol.status == ProtocolStatus.DRAFT:
        return ApplicationError("Ce protocole n'a pas été déclaré : il n'est pas mis en œuvre, rien à annuler.")
    return ApplicationError(f"La mise en œuvre de ce protocole a déjà pris fin le {protocol.ended_on:%d/%m/%Y}.")


@transaction.atomic
def protocol_end(*, protocol: Protocol, by, ended_on: datetime.date, ground: str, motive: str) -> ProtocolEnding:
    """End the protocol's implementation after ``ended_on`` (the last day it covers)."""
    protocol = lock_protocol(protocol)
    if not can_end(by, protocol):
        raise end_refusal(protocol, by)
    if ended_on < protocol.declared_on:
        raise ApplicationError(
            f"Le protocole est en vigueur depuis le {protocol.declared_on:%d/%m/%Y} : sa mise en œuvre ne peut pas "
            "prendre fin avant.",
            field="ended_on",
        )
    if ground not in EndGround.values:
        raise ApplicationError("Choisissez le motif réglementaire.", field="ground")
    motive = motive.strip()
    if not motive:
        raise ApplicationError("Indiquez le motif de la décision : il figure dans le courrier.", field="motive")
    _lift_open_suspension(protocol=protocol, by=by, ended_on=ended_on)
    protocol.status, protocol.ended_on = ENDED_STATE, ended_on
    protocol.full_clean()
    protocol.save(update_fields=["status", "ended_on", "updated_at"])
    ending = ProtocolEnding(protocol=protocol, ground=ground, motive=motive, decided_by=by)
    ending.full_clean()
    ending.save()
    record_event(
        protocol=protocol,
        kind=ProtocolEvent.Kind.ENDED,
        by=by,
        on=ended_on,
        detail=f"{ending.get_ground_display()} — {motive}",
    )
    # Interventions after the last day change reason; the funding line follows on the same signal.
    notify_eligibility_change(protocol_id=protocol.pk, since=ended_on + ONE_DAY)
    from protocols.tasks.protocols import protocol_end_letter_task

    # Silenced now (``notifications_off``, the demo) stays silenced after the commit, when the task runs.
    protocol_end_letter_task.delay_on_commit(ending.pk, notify=notifications_on())
    return ending


def _lift_open_suspension(*, protocol: Protocol, by, ended_on: datetime.date) -> None:
    """A suspension still open is lifted the day after the end: the end takes over from there, and the days after
    read ``protocole_termine``, not ``protocole_suspendu``."""
    suspension = Suspension.objects.select_for_update(of=("self",)).filter(protocol=protocol, lifted_on=None).first()
    if suspension is None:
        return
    if suspension.starts_on > ended_on:
        raise ApplicationError(
            f"La suspension en cours commence le {suspension.starts_on:%d/%m/%Y}, après ce dernier jour : levez-la "
            "d'abord, ou choisissez un dernier jour postérieur à son début.",
            field="ended_on",
        )
    suspension.lifted_on = ended_on + ONE_DAY
    suspension.lift_reason = "Fin de mise en œuvre du protocole décidée par l'ARS."
    suspension.lifted_by, suspension.lifted_at = by, timezone.now()
    suspension.full_clean()
    suspension.save()
    record_event(
        protocol=protocol,
        kind=ProtocolEvent.Kind.LIFTED,
        by=by,
        on=suspension.lifted_on,
        detail="fin de mise en œuvre",
    )


# --- The letter ---------------------------------------------------------------------------------------------------


def _coordinators(protocol: Protocol) -> list[User]:
    """The active coordinators of the protocol's structure and of the CPTS through which an ESP implements it."""
    return list(User.objects.coordinators_of(*protocol.structure_ids()).order_by("email"))


def letter_context(ending: ProtocolEnding) -> dict:
    protocol = ending.protocol
    return {
        "ending": ending,
        "protocol": protocol,
        "structure": protocol.carrying_structure,
        "region": protocol.structure.region,
        "coordinators": _coordinators(protocol),
        "first_excluded": protocol.ended_on + ONE_DAY,
        "today": timezone.localdate(ending.decided_at),
    }


def _load(ending_id: int, *, lock: bool) -> ProtocolEnding | None:
    queryset = ProtocolEnding.objects.select_related(
        "protocol__structure__region", "protocol__implementing_structure", "decided_by"
    )
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    return queryset.filter(pk=ending_id).first()


def protocol_end_letter_ensure(*, ending: ProtocolEnding) -> ProtocolEnding:
    """Render and store the letter once (idempotent: a stored letter is kept, a concurrent render loses)."""
    if ending.letter:
        return ending
    ending = _load(ending.pk, lock=False)
    if ending.letter:
        return ending
    pdf = render_pdf("protocols/pdf/end_letter.html", letter_context(ending))
    storage_field = ProtocolEnding._meta.get_field("letter")
    stored = storage_field.storage.save(storage_field.generate_filename(ending, ending.letter_name), ContentFile(pdf))
    claimed = ProtocolEnding.objects.filter(pk=ending.pk, letter="").update(
        letter=stored, letter_sha256=sha256_hex(pdf)
    )
    if not claimed:
        storage_field.storage.delete(stored)
    ending.refresh_from_db()
    return ending


@transaction.atomic
def protocol_end_letter_send(*, ending_id: int, notify: bool = True) -> ProtocolEnding | None:
    """Store the letter and e-mail it to the coordinators, once (a retry after the e-mail sends nothing). Without
    ``notify`` the letter is stored and nothing is sent (``letter_sent_at`` stays empty)."""
    ending = _load(ending_id, lock=True)
    if ending is None or ending.letter_sent_at is not None:
        return ending
    if not notify:
        return protocol_end_letter_ensure(ending=ending)
    pdf = None
    try:
        ending = protocol_end_letter_ensure(ending=ending)
        with ending.letter.open("rb") as stored:
            pdf = stored.read()
    except PdfUnavailable:
        # The decision stands and the coordinators are told; the page renders the letter once the libraries exist.
        logger.warning("Courrier de fin du protocole %s non généré : bibliothèques PDF absentes.", ending.protocol_id)
    ProtocolEnding.objects.filter(pk=ending.pk).update(letter_sent_at=timezone.now())
    context = letter_context(ending)
    link = settings.SITE_URL + reverse("protocols:protocol_end_letter", args=[ending.pk])
    mail_on_commit(
        subject=f"Mise en œuvre du protocole {ending.protocol.code} annulée par l'ARS",
        template="protocols/emails/ending.txt",
        context={**context, "attached": pdf is not None, "link": link},
        recipients=[user.email for user in context["coordinators"]],
        attachments=[(ending.letter_name, pdf, "application/pdf")] if pdf is not None else [],
    )
    return ending
