"""Helpers shared by the services of the protocols area: who may act, the business trace, the eligibility signal."""

import datetime

from django.db import transaction
from django.utils import timezone

from portal.access import get_scope
from portal.errors import ApplicationError
from portal.roles import Role
from protocols.models import Protocol, ProtocolEvent
from protocols.signals import eligibility_inputs_changed


def today() -> datetime.date:
    return timezone.localdate()


def is_coordinator(user, protocol: Protocol) -> bool:
    """Coordinator of the protocol's structure, or of the CPTS through which an ESP implements it."""
    return bool(get_scope(user).structure_ids([Role.COORDINATOR]) & protocol.structure_ids())


def is_agent(user, protocol: Protocol, *roles: str) -> bool:
    return protocol.structure.region_id in get_scope(user).region_ids(roles or [Role.INSTRUCTOR])


def require_coordinator(user, protocol: Protocol) -> None:
    if not is_coordinator(user, protocol):
        raise ApplicationError("Seul un coordinateur de la structure peut faire cette action.", code="forbidden")


def require_instructor(user, protocol: Protocol) -> None:
    if not is_agent(user, protocol, Role.INSTRUCTOR):
        raise ApplicationError(
            "Seul un instructeur de l'ARS de la structure peut faire cette action.", code="forbidden"
        )


def record_event(*, protocol: Protocol, kind: str, by, on: datetime.date, detail: str = "") -> ProtocolEvent:
    return ProtocolEvent.objects.create(protocol=protocol, kind=kind, by=by, occurred_on=on, detail=detail[:300])


def notify_eligibility_change(*, protocol_id: int, since: datetime.date | None) -> None:
    """Tell the layers above (funding) that eligibility inputs changed, once the transaction is committed."""
    transaction.on_commit(
        lambda: eligibility_inputs_changed.send(sender=Protocol, protocol_id=protocol_id, since=since)
    )


def lock_protocol(protocol: Protocol) -> Protocol:
    """Lock the protocol row: versions are numbered and team changes checked under this lock."""
    return (
        Protocol.objects.select_for_update(of=("self",))
        .select_related("structure", "national_protocol")
        .get(pk=protocol.pk)
    )
