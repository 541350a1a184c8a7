"""Portal objects of the foreign region (CVL) for the tenant matrix."""

from portal.models import Invitation
from portal.roles import Role
from tests.portal.factories import (
    InvitationFactory,
    RegionFactory,
    RegionMembershipFactory,
    StructureFactory,
    coordinator_of,
    professional_of,
)
from tests.tenant import FOREIGN_MARKER

ORDER = 0
PUBLIC_ROUTES = {"portal:accessibility", "portal:legal"}
# The ProConnect / PSC redirect URI: its argument names a provider, not an object (tests/oidc covers it).
UNSCOPED_ROUTES = {"federation_callback"}


def build(world):
    region = RegionFactory(code="CVL")
    structure = StructureFactory(region=region, name=f"MSP {FOREIGN_MARKER}", finess="370004566")
    coordinator = coordinator_of(structure, user__last_name=FOREIGN_MARKER)
    professional = professional_of(structure, profession="infirmier", user__last_name=FOREIGN_MARKER)
    delegant = professional_of(structure, profession="medecin", user__last_name=FOREIGN_MARKER)
    admin_membership = RegionMembershipFactory(region=region, role=Role.REGION_ADMIN)
    instructor = RegionMembershipFactory(region=region, role=Role.INSTRUCTOR).user
    raw_token, token_hash = Invitation.new_token()
    invitation = InvitationFactory(
        structure=structure,
        invited_by=coordinator,
        email=f"{FOREIGN_MARKER.lower()}@exemple.fr",
        token_hash=token_hash,
    )
    world.objects.update(
        region=region,
        structure=structure,
        coordinator=coordinator,
        professional=professional.professional,
        delegant=delegant.professional,
        region_admin=admin_membership.user,
        instructor=instructor,
    )
    world.kwargs.update(
        region_id=region.pk,
        structure_id=structure.pk,
        invitation_id=invitation.pk,
        token=raw_token,
        structure_membership_id=structure.memberships.first().pk,
        region_membership_id=admin_membership.pk,
    )
    _api_token(world)


def _api_token(world):
    from portal.tokens import api_token_create

    token, _raw = api_token_create(user=world.objects["coordinator"], name=f"Jeton {FOREIGN_MARKER}", scope="read")
    world.kwargs["api_token_id"] = token.pk
