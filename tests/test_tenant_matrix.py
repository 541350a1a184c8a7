"""The tenant matrix: every URL of the portal × every role of one region × the objects of another region.

URLs are discovered from the URLconf, so a new view is covered as soon as it is routed. A URL argument this file
does not know fails the test: add the object to ``foreign_world`` (and, for a new role, to ``home_users``).

A foreign object must answer 404 (or 403/405), never 200, to GET and to POST; and no page reachable without
arguments may show the marker that every foreign object carries in its name.
"""

from dataclasses import dataclass, field

import pytest
from django.urls import reverse

from portal.models import Invitation
from portal.roles import Role
from tests.portal.factories import (
    InvitationFactory,
    RegionFactory,
    RegionMembershipFactory,
    StructureFactory,
    StructureMembershipFactory,
    agent_of,
    coordinator_of,
    professional_of,
)
from tests.urlwalk import own_routes

FOREIGN_MARKER = "ZZ-ETRANGER-CVL"
ALLOWED_FOREIGN_STATUSES = {403, 404, 405}
# Pages meant for everyone (no login, no tenant data), where a 200 says nothing about isolation.
PUBLIC_ROUTES = {"portal:accessibility", "portal:legal"}
# Routes whose argument is not an object of a region (nothing to isolate).
UNSCOPED_ROUTES: set[str] = set()


@dataclass
class World:
    home_users: dict[str, object]
    foreign: dict[str, object] = field(default_factory=dict)


def foreign_world() -> dict[str, object]:
    """One object of every kind a URL can name, all in the foreign region (CVL), keyed by URL argument."""
    region = RegionFactory(code="CVL")
    structure = StructureFactory(region=region, name=f"MSP {FOREIGN_MARKER}", finess="370004566")
    coordinator = coordinator_of(structure, user__last_name=FOREIGN_MARKER)
    professional_of(structure, user__last_name=FOREIGN_MARKER)
    agency_membership = RegionMembershipFactory(region=region, role=Role.REGION_ADMIN)
    raw_token, token_hash = Invitation.new_token()
    invitation = InvitationFactory(
        structure=structure,
        invited_by=coordinator,
        email=f"{FOREIGN_MARKER.lower()}@exemple.fr",
        token_hash=token_hash,
    )
    structure_membership = structure.memberships.first()
    return {
        "region_id": region.pk,
        "structure_id": structure.pk,
        "invitation_id": invitation.pk,
        "token": raw_token,
        "structure_membership_id": structure_membership.pk,
        "region_membership_id": agency_membership.pk,
    }


def home_users() -> dict[str, object]:
    """A user for every role, in the home region (PACA)."""
    region = RegionFactory(code="PACA")
    structure = StructureFactory(region=region, name="MSP de la région PACA")
    users = {
        Role.COORDINATOR: coordinator_of(structure),
        Role.PROFESSIONAL: professional_of(structure),
    }
    for role in (Role.INSTRUCTOR, Role.COMMITTEE_MEMBER, Role.FINANCE_OFFICER, Role.REGION_ADMIN):
        users[role] = agent_of(region, role)
    # A coordinator who is also a professional elsewhere in the home region: roles combine, scopes do not leak.
    combined = coordinator_of(StructureFactory(region=region))
    StructureMembershipFactory(user=combined, structure=structure, role=Role.PROFESSIONAL)
    users["coordinator+professional"] = combined
    return users


@pytest.fixture
def world(db):
    foreign = foreign_world()
    return World(home_users=home_users(), foreign=foreign)


def _url(route, foreign):
    missing = [argument for argument in route.arguments if argument not in foreign]
    assert not missing, f"{route.name}: ajoutez un objet étranger pour l'argument {missing} dans foreign_world()"
    return reverse(route.name, kwargs={argument: foreign[argument] for argument in route.arguments})


def test_every_route_is_covered():
    routes = own_routes()
    assert len(routes) >= 10, "the URL walk found too few routes: is the URLconf walk broken?"
    assert any(route.arguments for route in routes)


@pytest.mark.parametrize(
    "role", [str(role) for role in Role if role != Role.SUPERADMIN] + ["coordinator+professional"]
)
def test_foreign_objects_are_never_served(client, world, role):
    user = world.home_users[role]
    client.force_login(user)
    leaks = []
    for route in own_routes():
        if route.name in UNSCOPED_ROUTES:
            continue
        url = _url(route, world.foreign)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            status = response.status_code
            if route.arguments and route.name not in PUBLIC_ROUTES:
                if status not in ALLOWED_FOREIGN_STATUSES:
                    leaks.append(f"{method.upper()} {url} ({route.name}) → {status}")
            elif status >= 500:
                leaks.append(f"{method.upper()} {url} ({route.name}) → {status}")
            if status == 200 and FOREIGN_MARKER.encode() in response.content:
                leaks.append(f"{method.upper()} {url} ({route.name}) montre des données d'une autre région")
    assert not leaks, "\n".join(leaks)


def test_the_matrix_can_see_home_objects(client, world):
    """The matrix would pass vacuously if every page failed: the owners do see their own objects."""
    region_admin = world.home_users[Role.REGION_ADMIN]
    client.force_login(region_admin)
    region_id = region_admin.region_memberships.get().region_id
    assert client.get(reverse("portal:region_staff", kwargs={"region_id": region_id})).status_code == 200
    coordinator = world.home_users[Role.COORDINATOR]
    client.force_login(coordinator)
    structure_id = coordinator.structure_memberships.get().structure_id
    assert client.get(reverse("portal:structure_detail", kwargs={"structure_id": structure_id})).status_code == 200
