"""Funding statements through the API: drafts for the ARS only, issued ones for the structure's coordinators too;
lines and amounts as exact decimals; the interventions counted, excluded and regularised, paginated by cursor, the
same for a draft as its issue freezes them."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from funding.models import StatementItem
from portal.roles import Role
from tests.funding.statement_scenarios import GrantScenario, compute
from tests.portal.factories import RegionFactory, agent_of, coordinator_of


@pytest.fixture
def scenario():
    scenario = GrantScenario()
    scenario.add("2025-03-01", 6)
    scenario.add("2025-03-02", 2, eligible=False, reason="delegant_hors_equipe")
    scenario.add("2025-03-03", 1, eligible=False, reason="doublon")
    return scenario


def read_items(api, statement_id, **params) -> list[dict]:
    items, cursor = [], None
    while True:
        response = api.get(f"/statements/{statement_id}/items", **params, **({"cursor": cursor} if cursor else {}))
        assert response.status_code == 200, response.json()
        body = response.json()
        items += body["items"]
        cursor = body["next_cursor"]
        if not body["has_more"]:
            return items


def test_who_sees_which_statement(scenario, api_client_for):
    compute(scenario.region, "2025-H1", issue=True)
    compute(scenario.region, "2025-H2")
    issued, draft = scenario.statement("2025-H1"), scenario.statement("2025-H2")
    foreign = GrantScenario(dossier__structure__region=RegionFactory(code="CVL"))
    foreign.add("2025-03-01", 1)
    compute(foreign.region, "2025-H1", issue=True)
    foreign_statement = foreign.statement("2025-H1")

    # The selection committee does not follow the money (need-to-know, docs/security.md).
    committee = api_client_for(agent_of(scenario.region, Role.COMMITTEE_MEMBER))
    assert committee.get("/statements").json()["items"] == []
    assert committee.get(f"/statements/{issued.pk}").status_code == 404
    for role in (Role.FINANCE_OFFICER, Role.INSTRUCTOR, Role.REGION_ADMIN):
        api = api_client_for(agent_of(scenario.region, role))
        assert {item["id"] for item in api.get("/statements").json()["items"]} == {issued.pk, draft.pk}, role
        assert api.get(f"/statements/{foreign_statement.pk}").status_code == 404
        assert api.get(f"/statements/{foreign_statement.pk}/items").status_code == 404
    coordinator = api_client_for(coordinator_of(scenario.grant.structure))
    assert [item["id"] for item in coordinator.get("/statements").json()["items"]] == [issued.pk]
    for path in (f"/statements/{draft.pk}", f"/statements/{draft.pk}/items"):
        response = coordinator.get(path)
        assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_detail_lines_amounts_and_exclusions(scenario, api_client_for):
    compute(scenario.region, "2025-H1", issue=True)
    statement = scenario.statement("2025-H1")
    api = api_client_for(agent_of(scenario.region, Role.FINANCE_OFFICER))
    body = api.get(f"/statements/{statement.pk}").json()
    assert (body["reference"], body["status"], body["period"], body["region"]) == (
        statement.reference,
        "issued",
        "2025-H1",
        scenario.region.code,
    )
    assert (body["grant_reference"], body["structure_finess"]) == (
        scenario.grant.reference,
        scenario.grant.structure.finess,
    )
    assert (body["eligible_count"], body["excluded_count"]) == (6, 3)
    assert (body["rate"], body["period_amount"], body["total_amount"], body["cap_remaining"]) == (
        "25.00",
        "150.00",
        "150.00",
        "6850.00",
    )
    assert Decimal(body["total_amount"]) == statement.total_amount
    [line] = body["lines"]
    assert (line["kind"], line["year"], line["eligible_count"], line["amount"]) == ("period", 2025, 6, "150.00")
    assert {(row["reason"], row["count"]) for row in body["exclusions"]} == {
        ("delegant_hors_equipe", 2),
        ("doublon", 1),
    }


def test_items_are_paginated_and_filtered(scenario, api_client_for):
    compute(scenario.region, "2025-H1", issue=True)
    statement = scenario.statement("2025-H1")
    api = api_client_for(agent_of(scenario.region, Role.FINANCE_OFFICER))
    items = read_items(api, statement.pk, limit=4)
    frozen = StatementItem.objects.filter(statement=statement)
    assert sorted(item["intervention_id"] for item in items) == sorted(
        frozen.values_list("intervention_id", flat=True)
    )
    assert [item["intervention_id"] for item in items] == sorted(item["intervention_id"] for item in items)
    excluded = read_items(api, statement.pk, only="excluded")
    assert sorted((item["reason"], item["is_eligible"]) for item in excluded) == [
        ("delegant_hors_equipe", False),
        ("delegant_hors_equipe", False),
        ("doublon", False),
    ]
    assert excluded[0]["reason_label"] == "Délégant absent de l'équipe à cette date"
    assert len(read_items(api, statement.pk, only="eligible")) == 6
    assert read_items(api, statement.pk, only="regularisation") == []
    first = api.get(f"/statements/{statement.pk}/items", limit=2).json()
    assert (len(first["items"]), first["has_more"]) == (2, True)
    assert api.get(f"/statements/{statement.pk}/items", cursor="djE6MQ").status_code == 400  # "v1:1": wrong size
    assert api.get(f"/statements/{statement.pk}/items", only="tout").status_code == 422


def test_a_drafts_items_are_what_its_issue_freezes(scenario, api_client_for):
    """H1 issued; then an H1 intervention is excluded and a late one arrives: the H2 draft lists its period and the
    régularisations live, exactly as issuing H2 freezes them."""
    compute(scenario.region, "2025-H1", issue=True)
    h1_paid = list(StatementItem.objects.filter(is_eligible=True).values_list("intervention", flat=True))
    from protocols.models import Intervention

    scenario.exclude(Intervention.objects.filter(pk=h1_paid[0]), reason="protocole_suspendu")
    late = scenario.add("2025-04-01")
    scenario.add("2025-09-01", 3)
    compute(scenario.region, "2025-H2")
    draft = scenario.statement("2025-H2")
    api = api_client_for(agent_of(scenario.region, Role.FINANCE_OFFICER))

    body = api.get(f"/statements/{draft.pk}").json()
    assert body["status"] == "draft"
    assert [(line["kind"], line["added_count"], line["removed_count"]) for line in body["lines"]] == [
        ("period", 0, 0),
        ("regularisation", 1, 1),
    ]
    live = read_items(api, draft.pk, limit=2)
    regularised = {
        (item["intervention_id"], item["is_eligible"], item["reason"]) for item in live if item["is_regularisation"]
    }
    assert regularised == {(late[0].pk, True, None), (h1_paid[0], False, "protocole_suspendu")}

    compute(scenario.region, "2025-H2", issue=True)
    frozen = read_items(api, draft.pk, limit=2)
    assert frozen == live


def test_list_filters_and_constant_queries(scenario, api_client_for):
    compute(scenario.region, "2025-H1", issue=True)
    compute(scenario.region, "2025-H2")
    api = api_client_for(agent_of(scenario.region, Role.FINANCE_OFFICER))
    api.get("/structures")  # records the token's last use once

    def ids(**params):
        response = api.get("/statements", **params)
        assert response.status_code == 200, response.json()
        return [item["period"] for item in response.json()["items"]]

    assert ids(period="2025-H1") == ["2025-H1"]
    assert ids(status="draft") == ["2025-H2"]
    assert ids(region="paca", year=2025) == ["2025-H1", "2025-H2"]
    assert ids(region="CVL") == []
    assert ids(grant_id=scenario.grant.pk, structure_id=scenario.grant.structure_id) == ["2025-H1", "2025-H2"]
    for params in ({"period": "2025-H3"}, {"period": "1999-H1"}, {"status": "paid"}):
        response = api.get("/statements", **params)
        assert (response.status_code, response.json()["errors"][0]["field"]) == (422, next(iter(params)))

    def count(path) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get(path).status_code == 200
        return len(captured)

    statement = scenario.statement("2025-H1")
    few = count("/statements"), count(f"/statements/{statement.pk}/items"), count(f"/statements/{statement.pk}")
    for _ in range(3):
        other = GrantScenario(dossier__structure__region=scenario.region)
        other.add("2025-02-01", 4)
        other.add("2025-02-02", 2, eligible=False, reason="doublon")
    scenario.add("2025-05-01", 5)
    compute(scenario.region, "2025-H2")
    assert (
        count("/statements"),
        count(f"/statements/{statement.pk}/items"),
        count(f"/statements/{statement.pk}"),
    ) == few


def test_the_payer_of_an_issued_statement_is_the_one_frozen_at_issue(api_client_for):
    from portal.services import structure_cpam_set
    from tests.funding.statement_scenarios import GrantScenario
    from tests.portal.factories import coordinator_of

    snp = GrantScenario(snp=True, yearly_cap=None)
    snp.add("2025-03-10", 3)
    compute(snp.region, "2025-H1", issue=True)
    structure = snp.grant.structure
    structure_cpam_set(structure=structure, by=coordinator_of(structure), cpam="CPAM du Var")
    api = api_client_for(agent_of(snp.region, Role.FINANCE_OFFICER))

    body = api.get(f"/statements/{snp.statement('2025-H1').pk}").json()

    assert body["payer"] == "CPAM des Bouches-du-Rhône"
