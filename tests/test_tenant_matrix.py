"""The tenant matrix: every URL of the portal × every role of one region × the objects of another region.

URLs are discovered from the URLconf, so a new view is covered as soon as it is routed. A URL argument the foreign
world does not provide fails the test: add the object in ``tests/<area>/tenant_objects.py`` (see ``tests/tenant.py``).

A foreign object must answer 404 (or 403/405), never 200, to GET and to POST; and no page may show the marker
that every foreign object carries in its name.
"""

import pytest
from django.urls import reverse

from portal.roles import Role
from portal.tokens import api_token_create
from tests.portal.factories import (
    RegionFactory,
    StructureFactory,
    StructureMembershipFactory,
    agent_of,
    coordinator_of,
    professional_of,
)
from tests.tenant import FOREIGN_MARKER, build_foreign_world, public_routes, unscoped_routes
from tests.urlwalk import own_routes

ALLOWED_FOREIGN_STATUSES = {403, 404, 405}
# An API POST with an empty body is refused by validation (422) before any object is looked up.
ALLOWED_FOREIGN_API_STATUSES = {403, 404, 405, 422}
API_NAMESPACE = "api-v1:"
ROLES = [str(role) for role in Role if role != Role.SUPERADMIN] + ["coordinator+professional"]


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
    foreign = build_foreign_world()
    foreign.objects["home_users"] = home_users()
    return foreign


def _url(route, kwargs):
    missing = [argument for argument in route.arguments if argument not in kwargs]
    assert not missing, f"{route.name}: ajoutez un objet étranger pour {missing} dans tests/<app>/tenant_objects.py"
    return reverse(route.name, kwargs={argument: kwargs[argument] for argument in route.arguments})


def _body(response) -> bytes:
    """The whole body, streamed exports included (they must not leak either)."""
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_every_route_is_covered():
    routes = own_routes()
    assert len(routes) >= 10, "the URL walk found too few routes: is the URLconf walk broken?"
    assert any(route.arguments for route in routes)


@pytest.mark.parametrize("role", ROLES)
def test_foreign_objects_are_never_served(client, world, role):
    """Web pages with the user's session, API endpoints with a personal token of the same user."""
    user = world.objects["home_users"][role]
    client.force_login(user)
    _token, raw_key = api_token_create(user=user, name="matrice", scope="write")
    api_headers = {"Authorization": f"Bearer {raw_key}"}
    public, unscoped = public_routes(), unscoped_routes()
    leaks = []
    for route in own_routes():
        if route.name in unscoped:
            continue
        url = _url(route, world.kwargs)
        is_api = route.name.startswith(API_NAMESPACE)
        for method in ("get", "post"):
            if is_api:
                response = getattr(client, method)(url, headers=api_headers, content_type="application/json")
            else:
                response = getattr(client, method)(url)
            status = response.status_code
            allowed = ALLOWED_FOREIGN_API_STATUSES if is_api else ALLOWED_FOREIGN_STATUSES
            if route.arguments and route.name not in public:
                if status not in allowed:
                    leaks.append(f"{method.upper()} {url} ({route.name}) → {status}")
            elif status >= 500:
                leaks.append(f"{method.upper()} {url} ({route.name}) → {status}")
            # Public pages (published campaigns of every region) legitimately show other regions' names.
            if status == 200 and route.name not in public and FOREIGN_MARKER.encode() in _body(response):
                leaks.append(f"{method.upper()} {url} ({route.name}) montre des données d'une autre région")
    assert not leaks, "\n".join(leaks)


def test_the_matrix_can_see_home_objects(client, world):
    """The matrix would pass vacuously if every page failed: the owners do see their own objects."""
    users = world.objects["home_users"]
    client.force_login(users[Role.REGION_ADMIN])
    region_id = users[Role.REGION_ADMIN].region_memberships.get().region_id
    assert client.get(reverse("portal:region_staff", kwargs={"region_id": region_id})).status_code == 200
    client.force_login(users[Role.COORDINATOR])
    structure_id = users[Role.COORDINATOR].structure_memberships.get().structure_id
    assert client.get(reverse("portal:structure_detail", kwargs={"structure_id": structure_id})).status_code == 200
    _token, raw_key = api_token_create(user=users[Role.COORDINATOR], name="matrice", scope="read")
    response = client.get(f"/api/v1/structures/{structure_id}", headers={"Authorization": f"Bearer {raw_key}"})
    assert response.status_code == 200
