"""What a dossier still lacks, section by section (the completeness panel and the submit guard).

Two queries whatever the dossier: the roles present in its protocol's team, and the kinds of its attachments.
"""

from django.utils import timezone

from funding.dossier_sections import Completeness, evaluate
from funding.models import Dossier
from protocols.models import MembershipStatus, TeamMembership


def active_team(protocol_id):
    """The protocol's team as the dossier presents it: accepted members still in the team, and pending
    invitations (shown as such); declined and withdrawn invitations are left out."""
    today = timezone.localdate()
    return (
        TeamMembership.objects.filter(
            protocol_id=protocol_id, status__in=[MembershipStatus.ACCEPTED, MembershipStatus.INVITED]
        )
        .exclude(left_on__lte=today)
        .select_related("professional__user")
        .order_by("role", "professional__user__last_name", "professional__user__first_name", "pk")
    )


def dossier_completeness(dossier: Dossier) -> Completeness:
    team_roles: set[str] = set()
    if dossier.protocol_id:
        team_roles = set(
            active_team(dossier.protocol_id)
            .filter(status=MembershipStatus.ACCEPTED)
            .values_list("role", flat=True)
            .distinct()
            .order_by()
        )
    attachment_kinds = set(dossier.attachments.values_list("kind", flat=True).distinct().order_by())
    return evaluate(dossier, team_roles=team_roles, attachment_kinds=attachment_kinds)
