"""Vigilance over protocols in force: adverse events reported by the team, suspension by the ARS and its lifting,
and the yearly follow-up indicators (seed 002: "l'équipe est tenue de transmettre chaque année les indicateurs de
suivi du protocole et de signaler tout évènement indésirable")."""

import datetime
import re
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from portal.errors import ApplicationError
from portal.mail import mail_on_commit
from portal.models import User
from portal.roles import Role
from protocols.models import (
    AdverseEvent,
    IndicatorValue,
    MembershipStatus,
    Protocol,
    ProtocolEvent,
    ProtocolStatus,
    Suspension,
)
from protocols.services.common import (
    is_coordinator,
    lock_protocol,
    notify_eligibility_change,
    record_event,
    require_coordinator,
    require_instructor,
    today,
)

# A social security number (NIR, 13 digits + 2-digit key) has no place in an adverse event report.
NIR_PATTERN = re.compile(r"\b[12]\s?\d{2}\s?\d{2}\s?(?:\d{2}|2A|2B)\s?\d{3}\s?\d{3}(?:\s?\d{2})?\b")


def _is_current_member(user, protocol: Protocol) -> bool:
    return protocol.team.filter(
        professional__user_id=user.pk, status=MembershipStatus.ACCEPTED, left_on__isnull=True
    ).exists()


@transaction.atomic
def adverse_event_report(
    *, protocol: Protocol, by, occurred_on: datetime.date, severity: str, description: str, measures: str = ""
) -> AdverseEvent:
    """A team member or a coordinator reports an adverse event (EI) or a serious one (EIG) to the ARS, with no
    information identifying the patient."""
    protocol = lock_protocol(protocol)
    if not (is_coordinator(by, protocol) or _is_current_member(by, protocol)):
        raise ApplicationError(
            "Seuls les membres de l'équipe et les coordinateurs signalent un événement indésirable.", code="forbidden"
        )
    if protocol.status == ProtocolStatus.DRAFT:
        raise ApplicationError("Ce protocole n'est pas encore en vigueur : il n'a pas été déclaré.")
    if occurred_on > today():
        raise ApplicationError("La date de l'événement ne peut pas être dans le futur.", field="occurred_on")
    if occurred_on < protocol.declared_on:
        raise ApplicationError(
            f"Le protocole est en vigueur depuis le {protocol.declared_on:%d/%m/%Y} : l'événement est antérieur.",
            field="occurred_on",
        )
    for text, field in ((description, "description"), (measures, "measures")):
        if NIR_PATTERN.search(text):
            raise ApplicationError(
                "Retirez le numéro de sécurité sociale : aucune donnée identifiant le patient ne doit figurer ici.",
                field=field,
            )
    event = AdverseEvent(
        protocol=protocol,
        occurred_on=occurred_on,
        severity=severity,
        description=description.strip(),
        measures=measures.strip(),
        reported_by=by,
    )
    event.full_clean()
    event.save()
    record_event(
        protocol=protocol,
        kind=ProtocolEvent.Kind.ADVERSE_EVENT,
        by=by,
        on=occurred_on,
        detail=event.get_severity_display(),
    )
    mail_on_commit(
        subject=f"[Portail protocoles] {event.get_severity_display()} signalé — {protocol.code}",
        template="protocols/emails/adverse_event.txt",
        context={
            "event": event,
            "link": settings.SITE_URL + reverse("protocols:adverse_event_detail", args=[event.pk]),
        },
        recipients=User.objects.agents_of(protocol.structure.region_id, roles=[Role.INSTRUCTOR]).emails(),
    )
    return event


@transaction.atomic
def adverse_event_close(*, event: AdverseEvent, by, comment: str) -> AdverseEvent:
    """The instructor closes the follow-up of an event with a comment the team reads."""
    event = AdverseEvent.objects.select_for_update(of=("self",)).select_related("protocol__structure").get(pk=event.pk)
    require_instructor(by, event.protocol)
    if event.closed_at:
        raise ApplicationError("Cet événement est déjà clos.")
    if not comment.strip():
        raise ApplicationError("Indiquez les suites données à l'événement.", field="ars_comment")
    event.ars_comment = comment.strip()
    event.closed_at, event.closed_by = timezone.now(), by
    event.save()
    return event


@transaction.atomic
def protocol_suspend(*, protocol: Protocol, by, starts_on: datetime.date, reason: str) -> Suspension:
    """The ARS suspends the protocol at the structure from ``starts_on`` (included) until lifted."""
    protocol = lock_protocol(protocol)
    require_instructor(by, protocol)
    if refusal := protocol.suspend_refusal(by):  # the rule the « Suspendre » button asks too
        raise ApplicationError(refusal)
    if starts_on < protocol.declared_on:
        raise ApplicationError(
            f"Le protocole est en vigueur depuis le {protocol.declared_on:%d/%m/%Y} : la suspension ne peut commencer "
            "avant.",
            field="starts_on",
        )
    if protocol.suspensions.filter(lifted_on__gt=starts_on).exists():
        raise ApplicationError(
            "Cette date tombe dans une suspension précédente : choisissez une date postérieure à sa levée.",
            field="starts_on",
        )
    if not reason.strip():
        raise ApplicationError("Indiquez le motif de la suspension.", field="reason")
    suspension = Suspension(protocol=protocol, starts_on=starts_on, reason=reason.strip(), suspended_by=by)
    suspension.full_clean()
    suspension.save()
    record_event(protocol=protocol, kind=ProtocolEvent.Kind.SUSPENDED, by=by, on=starts_on, detail=reason)
    notify_eligibility_change(protocol_id=protocol.pk, since=starts_on)
    mail_on_commit(
        subject=f"[Portail protocoles] Protocole {protocol.code} suspendu par l'ARS",
        template="protocols/emails/suspension.txt",
        context={"protocol": protocol, "suspension": suspension},
        recipients=User.objects.coordinators_of(*protocol.structure_ids()).emails(),
    )
    return suspension


@transaction.atomic
def suspension_lift(*, suspension: Suspension, by, lifted_on: datetime.date, reason: str = "") -> Suspension:
    """Lift a suspension: the protocol is in force again from ``lifted_on`` (the suspension window is
    [starts_on, lifted_on))."""
    protocol = lock_protocol(suspension.protocol)
    suspension = Suspension.objects.select_for_update(of=("self",)).get(pk=suspension.pk)
    require_instructor(by, protocol)
    if suspension.lifted_on is not None:
        raise ApplicationError("Cette suspension est déjà levée.")
    if lifted_on <= suspension.starts_on:
        raise ApplicationError(
            f"La levée doit suivre le début de la suspension ({suspension.starts_on:%d/%m/%Y}).", field="lifted_on"
        )
    suspension.lifted_on = lifted_on
    suspension.lift_reason = reason.strip()
    suspension.lifted_by, suspension.lifted_at = by, timezone.now()
    suspension.full_clean()
    suspension.save()
    record_event(protocol=protocol, kind=ProtocolEvent.Kind.LIFTED, by=by, on=lifted_on, detail=reason)
    notify_eligibility_change(protocol_id=protocol.pk, since=lifted_on)
    mail_on_commit(
        subject=f"[Portail protocoles] Suspension du protocole {protocol.code} levée",
        template="protocols/emails/suspension.txt",
        context={"protocol": protocol, "suspension": suspension},
        recipients=User.objects.coordinators_of(*protocol.structure_ids()).emails(),
    )
    return suspension


@transaction.atomic
def indicator_value_save(
    *, protocol: Protocol, by, year: int, label: str, value: Decimal, unit: str = "", comment: str = ""
) -> IndicatorValue:
    """Enter (or correct) the value of a yearly follow-up indicator of a declared protocol."""
    protocol = lock_protocol(protocol)
    require_coordinator(by, protocol)
    if protocol.status == ProtocolStatus.DRAFT:
        raise ApplicationError("Les indicateurs se saisissent une fois le protocole déclaré.")
    if not protocol.declared_on.year <= year <= today().year:
        raise ApplicationError(
            f"Choisissez une année entre {protocol.declared_on.year} et {today().year}.", field="year"
        )
    row = IndicatorValue.objects.filter(protocol=protocol, year=year, label=label.strip()).first()
    row = row or IndicatorValue(protocol=protocol, year=year, label=label.strip())
    row.value, row.unit, row.comment = value, unit.strip(), comment.strip()
    row.entered_by, row.entered_at = by, timezone.now()
    row.full_clean()
    row.save()
    return row
