"""The tenant matrix: every URL of the portal × every role of one region × the objects of another region.

URLs are discovered from the URLconf, so a new view is covered as soon as it is routed. A URL argument the foreign
world does not provide fails the test: add the object in ``tests/<area>/tenant_objects.py`` (see ``tests/tenant.py``).

A foreign object must answer 404 (or 403/405), never 200, to GET and to POST; and no page may show the marker
that every foreign object carries in its name.

The national pilot (``pilote_national``) holds no region: every object is foreign to it and every page answers
403/404, except the national aggregate pages (``AGGREGATE_ROUTES``), which read any region's aggregates. None of
its pages may show a name, an RPPS, a FINESS or a dossier's text of the foreign region.
"""

import pytest
from django.urls import reverse

from funding.models import Campaign
from portal.roles import Role
from portal.tokens import api_token_create
from tests.portal.factories import (
    RegionFactory,
    StructureFactory,
    StructureMembershipFactory,
    agent_of,
    coordinator_of,
    national_pilot,
    professional_of,
)
from tests.tenant import FOREIGN_MARKER, aggregate_routes, build_foreign_world, public_routes, unscoped_routes
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
    users[Role.NATIONAL_PILOT] = national_pilot()
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


def _person_markers(world) -> list[bytes]:
    """What identifies a person, a practice or a dossier of the foreign region, beyond the marker in its names."""
    objects = world.objects
    values = [
        FOREIGN_MARKER,
        objects["structure"].finess,
        objects["professional"].rpps,
        objects["delegant"].rpps,
        objects["dossier"].reference,
    ]
    return [value.encode() for value in values if value]


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
    public, unscoped, aggregates = public_routes(), unscoped_routes(), aggregate_routes()
    national = role == Role.NATIONAL_PILOT
    markers = _person_markers(world) if national else [FOREIGN_MARKER.encode()]
    # The national pages name the campaigns whose envelopes they total: a published campaign is public anyway.
    public_texts = [title.encode() for title in Campaign.objects.published().values_list("title", flat=True)]
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
            if national and route.name in aggregates:
                # Any region's aggregates are the national pilot's to read (and only to read).
                if status != (200 if method == "get" else 405):
                    leaks.append(f"{method.upper()} {url} ({route.name}) → {status} pour le pilote national")
            elif route.arguments and route.name not in public:
                if status not in allowed:
                    leaks.append(f"{method.upper()} {url} ({route.name}) → {status}")
            elif status >= 500:
                leaks.append(f"{method.upper()} {url} ({route.name}) → {status}")
            # Public pages (published campaigns of every region) legitimately show other regions' names.
            if status == 200 and route.name not in public:
                body = _body(response)
                if national:
                    for text in public_texts:
                        body = body.replace(text, b"")
                shown = [marker.decode() for marker in markers if marker in body]
                if shown:
                    leaks.append(f"{method.upper()} {url} ({route.name}) montre {shown} d'une autre région")
    assert not leaks, "\n".join(leaks)


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.FINANCE_OFFICER, Role.REGION_ADMIN, Role.NATIONAL_PILOT])
def test_foreign_snp_lines_are_never_served(client, world, role):
    """The routes that take a grant or a statement, again with the foreign region's SNP line and its statement (the
    main matrix passes its AMI grant): 404/403, never the line, its statement or its payer."""
    user = world.objects["home_users"][role]
    client.force_login(user)
    kwargs = {**world.kwargs, **world.objects["snp_kwargs"]}
    routes = [
        route
        for route in own_routes()
        if set(route.arguments) & set(world.objects["snp_kwargs"]) and not route.name.startswith(API_NAMESPACE)
    ]
    assert routes, "no route takes a grant or a statement: is the URL walk broken?"
    leaks = []
    for route in routes:
        url = _url(route, kwargs)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            if response.status_code not in ALLOWED_FOREIGN_STATUSES:
                leaks.append(f"{method.upper()} {url} ({route.name}) → {response.status_code}")
            elif FOREIGN_MARKER.encode() in _body(response):
                leaks.append(f"{method.upper()} {url} ({route.name}) montre la ligne SNP étrangère")
    _token, raw_key = api_token_create(user=user, name="matrice-snp", scope="read")
    statement_id = world.objects["snp_kwargs"]["statement_id"]
    response = client.get(f"/api/v1/statements/{statement_id}", headers={"Authorization": f"Bearer {raw_key}"})
    if response.status_code not in ALLOWED_FOREIGN_API_STATUSES:
        leaks.append(f"API statement {statement_id} → {response.status_code}")
    assert not leaks, "\n".join(leaks)


def test_the_national_pages_do_show_the_foreign_region_to_the_national_pilot(client, world):
    """The national rows of the matrix would pass vacuously if the aggregates were empty: they are not."""
    client.force_login(world.objects["home_users"][Role.NATIONAL_PILOT])
    region = world.objects["region"]
    response = client.get(reverse("reporting:national_region", kwargs={"region_id": region.pk}))
    assert response.status_code == 200
    assert region.name in response.content.decode()
    assert response.context["total"].protocols >= 1


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
