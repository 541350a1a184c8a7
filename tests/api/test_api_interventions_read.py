"""Reading interventions through the API: scoping per role and region, filters, cursor pagination that neither
repeats nor skips rows while others write, constant query counts."""

import datetime

import pytest

from portal.roles import Role
from tests.funding.eligibility_world import build_world
from tests.portal.factories import RegionFactory, StructureFactory, agent_of, coordinator_of

D = datetime.date


@pytest.fixture
def world():
    return build_world(structure=StructureFactory(region=RegionFactory(code="PACA")))


def ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return [item["id"] for item in response.json()["items"]]


def read_all(api, path="/interventions", **params) -> list[int]:
    """Every page, following next_cursor."""
    seen, cursor = [], None
    while True:
        body = api.get(path, **params, **({"cursor": cursor} if cursor else {})).json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if not body["has_more"]:
            return seen


def test_each_token_sees_what_its_owner_sees(world, api_client_for):
    mine = world.intervention(D(2025, 4, 15))
    colleague = world.add_delegate()
    theirs = world.intervention(D(2025, 4, 16), delegate=colleague)
    foreign = build_world(structure=StructureFactory(region=RegionFactory(code="CVL")))
    elsewhere = foreign.intervention(D(2025, 4, 15))
    world.recompute()

    assert set(ids(api_client_for(world.coordinator).get("/interventions"))) == {mine.pk, theirs.pk}
    assert ids(api_client_for(world.delegate.user).get("/interventions")) == [mine.pk]
    assert set(ids(api_client_for(world.delegant.user).get("/interventions"))) == {mine.pk, theirs.pk}
    instructor = agent_of(world.structure.region, Role.INSTRUCTOR)
    assert set(ids(api_client_for(instructor).get("/interventions"))) == {mine.pk, theirs.pk}
    other_coordinator = coordinator_of(StructureFactory(region=world.structure.region))
    assert ids(api_client_for(other_coordinator).get("/interventions")) == []

    delegate_api = api_client_for(world.delegate.user)
    for path in (f"/interventions/{theirs.pk}", f"/interventions/{theirs.pk}/eligibility"):
        assert delegate_api.get(path).status_code == 404
    for path in (f"/interventions/{elsewhere.pk}", f"/interventions/{elsewhere.pk}/eligibility"):
        response = api_client_for(instructor).get(path)
        assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_the_detail_shows_people_and_eligibility(world, api_client_for):
    intervention = world.intervention(D(2025, 4, 15), second_contact_on=D(2025, 4, 17))
    pending = world.intervention(D(2025, 4, 20))
    world.recompute()
    pending.eligibility.delete()
    api = api_client_for(world.coordinator)
    body = api.get(f"/interventions/{intervention.pk}").json()
    assert body["protocol_code"] == world.protocol.code
    assert body["delegate"]["identifier"] == world.delegate.identifier
    assert body["delegate"]["last_name"] == world.delegate.user.last_name
    assert (body["performed_on"], body["second_contact_on"]) == ("2025-04-15", "2025-04-17")
    assert body["eligibility"]["status"] == "eligible"
    assert api.get(f"/interventions/{pending.pk}/eligibility").json() == {
        "status": "pending",
        "reason": None,
        "reason_label": None,
        "grant_id": None,
        "computed_at": None,
    }


def test_filters(world, api_client_for):
    early = world.intervention(D(2025, 3, 5))  # delegate trained on 10 March: excluded
    april = world.intervention(D(2025, 4, 15))
    colleague = world.add_delegate()
    may = world.intervention(D(2025, 5, 15), delegate=colleague)
    other = build_world(structure=world.structure, code="LOC-AUTRE")
    other_protocol = other.intervention(D(2025, 4, 15))
    cancelled = world.intervention(D(2025, 4, 16), cancelled_at=datetime.datetime(2025, 4, 17, tzinfo=datetime.UTC))
    world.recompute()
    other.recompute()
    api = api_client_for(world.coordinator)

    assert set(ids(api.get("/interventions"))) == {early.pk, april.pk, may.pk, other_protocol.pk}
    assert set(ids(api.get("/interventions", protocol_id=world.protocol.pk))) == {early.pk, april.pk, may.pk}
    assert ids(
        api.get(
            "/interventions", performed_from="2025-04-01", performed_to="2025-04-30", protocol_id=world.protocol.pk
        )
    ) == [april.pk]
    assert ids(api.get("/interventions", delegate=colleague.identifier)) == [may.pk]
    assert ids(api.get("/interventions", eligibility="excluded")) == [early.pk]
    assert ids(api.get("/interventions", reason="delegue_non_forme")) == [early.pk]
    assert ids(api.get("/interventions", eligibility="pending")) == []
    assert set(ids(api.get("/interventions", include_cancelled="true", protocol_id=world.protocol.pk))) == {
        early.pk,
        april.pk,
        may.pk,
        cancelled.pk,
    }
    assert api.get(f"/interventions/{cancelled.pk}/eligibility").json()["status"] == "cancelled"
    assert ids(api.get("/interventions", structure_id=StructureFactory().pk)) == []

    for params in ({"eligibility": "peut-etre"}, {"performed_from": "15/04/2025"}, {"delegate": "abc"}, {"limit": 0}):
        response = api.get("/interventions", **params)
        assert response.status_code == 422, params
        assert response.json()["code"] == "invalid_request"
        assert response.json()["errors"][0]["field"] == next(iter(params))
    bad_cursor = api.get("/interventions", cursor="n'importe quoi")
    assert (bad_cursor.status_code, bad_cursor.json()["code"]) == (400, "invalid_cursor")


def test_pagination_is_stable_while_rows_are_added(world, api_client_for):
    existing = [world.intervention(D(2025, 4, 1) + datetime.timedelta(days=n)).pk for n in range(7)]
    api = api_client_for(world.coordinator)
    first = api.get("/interventions", limit=3).json()
    assert [item["id"] for item in first["items"]] == existing[:3] and first["has_more"]
    # Rows written while the client pages (dated before and after those already read) come after them.
    added = [world.intervention(D(2025, 3, 20)).pk, world.intervention(D(2025, 6, 1)).pk]
    rest, cursor = [], first["next_cursor"]
    while True:
        page = api.get("/interventions", limit=3, cursor=cursor).json()
        rest += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    assert existing[:3] + rest == existing + added
    # At the end, the last cursor is where a later synchronisation resumes: it returns only newer rows.
    assert api.get("/interventions", cursor=cursor).json() == {"items": [], "next_cursor": cursor, "has_more": False}
    newest = world.intervention(D(2025, 6, 2))
    assert ids(api.get("/interventions", cursor=cursor)) == [newest.pk]


def test_list_queries_do_not_grow_with_rows(world, api_client_for, django_assert_num_queries):
    def count_queries(api) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert api.get("/interventions").status_code == 200
        return len(captured)

    world.intervention(D(2025, 4, 1), second_contact_on=D(2025, 4, 2), second_contact_delegate=world.delegate)
    world.recompute()
    coordinator_api, instructor_api = (
        api_client_for(world.coordinator),
        api_client_for(agent_of(world.structure.region, Role.INSTRUCTOR)),
    )
    coordinator_api.get("/structures")  # last use of the token recorded: later requests write nothing
    instructor_api.get("/structures")
    few = count_queries(coordinator_api), count_queries(instructor_api)
    colleague = world.add_delegate()
    for n in range(30):
        world.intervention(D(2025, 4, 2) + datetime.timedelta(days=n % 20), delegate=colleague)
    world.recompute()
    # Savepoint of the request's transaction, token, scope (regions, structures), one page of interventions with
    # every relation, release of the savepoint.
    with django_assert_num_queries(6):
        coordinator_api.get("/interventions")
    assert (count_queries(coordinator_api), count_queries(instructor_api)) == few


def test_protocols_and_teams(world, api_client_for):
    api = api_client_for(world.coordinator)
    [protocol] = api.get("/protocols").json()["items"]
    assert (protocol["id"], protocol["code"], protocol["status"]) == (
        world.protocol.pk,
        world.protocol.code,
        "declared",
    )
    assert protocol["carrying_structure_id"] == world.structure.pk
    assert protocol["suspended_since"] is None
    team = api.get(f"/protocols/{world.protocol.pk}/team").json()
    by_role = {member["role"]: member for member in team}
    assert by_role["delegate"]["professional"]["identifier"] == world.delegate.identifier
    assert by_role["delegate"]["training_completed_on"] == "2025-03-10"
    assert by_role["delegant"]["training_completed_on"] is None
    foreign = build_world(structure=StructureFactory(region=RegionFactory(code="CVL")))
    for path in (f"/protocols/{foreign.protocol.pk}", f"/protocols/{foreign.protocol.pk}/team"):
        assert api.get(path).status_code == 404
    instructor = api_client_for(agent_of(world.structure.region, Role.INSTRUCTOR))
    assert [item["id"] for item in instructor.get("/protocols", structure_id=world.structure.pk).json()["items"]] == [
        world.protocol.pk
    ]
    assert instructor.get("/protocols", status="draft").json()["items"] == []
