"""Reads of the interventions area reused by views, forms and services (the protocols a delegate may log on, the
team's delegants, a professional's interventions)."""

import datetime

from django.db.models import Exists, OuterRef

from portal.models import Professional, User
from portal.roles import Role
from protocols.models import Intervention, MembershipStatus, Protocol, TeamMembership, TeamRole


def delegate_protocols(professional: Professional, day: datetime.date):
    """The protocols ``professional`` is an active delegate of on ``day`` (what the logging form offers)."""
    active = TeamMembership.objects.active_on(day).filter(
        protocol=OuterRef("pk"), professional=professional, role=TeamRole.DELEGATE
    )
    return Protocol.objects.filter(Exists(active)).order_by("code")


def _team_professionals(protocol: Protocol, role: str):
    members = TeamMembership.objects.filter(protocol=protocol, role=role, status=MembershipStatus.ACCEPTED).values(
        "professional_id"
    )
    return (
        Professional.objects.filter(pk__in=members)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "pk")
    )


def protocol_delegants(protocol: Protocol):
    """The professionals who are (or were) delegants of the protocol's team; the form checks the date."""
    return _team_professionals(protocol, TeamRole.DELEGANT)


def protocol_delegates(protocol: Protocol):
    return _team_professionals(protocol, TeamRole.DELEGATE)


def professional_interventions(user: User):
    """The active interventions a professional performed as delegate or supervised as delegant."""
    # The professional's scope is exactly "as delegate or delegant" (InterventionQuerySet.scope_filter).
    return Intervention.objects.visible_to(user, roles=[Role.PROFESSIONAL]).active()


def episode_other_interventions(intervention: Intervention):
    """The other active interventions of the same episode, earliest first (all but the first are ``doublon``)."""
    return (
        Intervention.objects.active()
        .filter(
            structure_id=intervention.structure_id,
            protocol_id=intervention.protocol_id,
            episode_reference=intervention.episode_reference,
        )
        .exclude(pk=intervention.pk)
        .order_by("performed_on", "pk")
    )
