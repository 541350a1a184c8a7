"""Dossiers for the ARS information systems: the region's submitted dossiers with their frozen content, never a
draft, never another region's; coordinators read their own."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from funding.models import DossierState
from portal.roles import Role
from tests.funding.factories import DecisionFactory, DossierFactory, GrantFactory
from tests.portal.factories import RegionFactory, StructureFactory, agent_of, coordinator_of


def ids(response) -> set[int]:
    assert response.status_code == 200, response.json()
    return {item["id"] for item in response.json()["items"]}


def test_the_ars_reads_its_regions_submitted_dossiers(api_client_for):
    paca = RegionFactory(code="PACA")
    structure = StructureFactory(region=paca)
    submitted = DossierFactory(structure=structure, submitted=True, answered=True, snapshot={"reponses": {"a": 1}})
    draft = DossierFactory(structure=structure)
    foreign = DossierFactory(structure=StructureFactory(region=RegionFactory(code="CVL")), submitted=True)

    for role in (Role.INSTRUCTOR, Role.REGION_ADMIN):
        api = api_client_for(agent_of(paca, role))
        assert ids(api.get("/dossiers")) == {submitted.pk}, role
        assert api.get(f"/dossiers/{draft.pk}").status_code == 404
        assert api.get(f"/dossiers/{foreign.pk}").status_code == 404
    # Need-to-know: no assignment, no grant: the committee member and the finance officer read none of them.
    for role in (Role.FINANCE_OFFICER, Role.COMMITTEE_MEMBER):
        api = api_client_for(agent_of(paca, role))
        assert ids(api.get("/dossiers")) == set(), role
        assert api.get(f"/dossiers/{submitted.pk}").status_code == 404, role
    coordinator = coordinator_of(structure)
    assert ids(api_client_for(coordinator).get("/dossiers")) == {submitted.pk, draft.pk}

    body = api_client_for(agent_of(paca)).get(f"/dossiers/{submitted.pk}").json()
    assert (body["reference"], body["state"], body["state_label"], body["region"]) == (
        submitted.reference,
        "submitted",
        "Déposé",
        "PACA",
    )
    assert (body["snapshot"], body["snapshot_sha256"]) == ({"reponses": {"a": 1}}, "0" * 64)
    assert body["expected_interventions_per_year"] == 600
    assert (body["decision"], body["grant"]) == (None, None)


def test_filters_decision_and_grant(api_client_for):
    paca = RegionFactory(code="PACA")
    selected = DossierFactory(structure=StructureFactory(region=paca), submitted=True, state=DossierState.SELECTED)
    DecisionFactory(dossier=selected, motive="Projet pertinent pour le territoire")
    grant = GrantFactory(dossier=selected)
    other = DossierFactory(structure=StructureFactory(region=paca), submitted=True)
    api = api_client_for(agent_of(paca, Role.INSTRUCTOR))

    assert ids(api.get("/dossiers", state="selected")) == {selected.pk}
    assert ids(api.get("/dossiers", structure_id=other.structure_id)) == {other.pk}
    assert ids(api.get("/dossiers", campaign_id=selected.campaign_id)) == {selected.pk}
    assert ids(api.get("/dossiers", region="paca")) == {selected.pk, other.pk}
    assert ids(api.get("/dossiers", region="CVL")) == set()
    assert api.get("/dossiers", state="perdu").status_code == 422

    [item] = [item for item in api.get("/dossiers").json()["items"] if item["id"] == selected.pk]
    assert item["decision"]["outcome"] == "selected"
    assert item["decision"]["motive"] == "Projet pertinent pour le territoire"
    assert (item["grant"]["reference"], item["grant"]["rate"], item["grant"]["yearly_cap"]) == (
        grant.reference,
        "25.00",
        "7000.00",
    )


def test_dossier_list_queries_do_not_grow_with_rows(api_client_for):
    paca = RegionFactory(code="PACA")
    api = api_client_for(agent_of(paca))
    api.get("/structures")  # records the token's last use once

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get("/dossiers").status_code == 200
        return len(captured)

    dossier = DossierFactory(structure=StructureFactory(region=paca), submitted=True, state=DossierState.SELECTED)
    DecisionFactory(dossier=dossier)
    GrantFactory(dossier=dossier)
    few = count()
    for _ in range(8):
        dossier = DossierFactory(structure=StructureFactory(region=paca), submitted=True, state=DossierState.SELECTED)
        DecisionFactory(dossier=dossier)
        GrantFactory(dossier=dossier)
    assert count() == few
