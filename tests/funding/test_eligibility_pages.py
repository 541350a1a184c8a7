"""The follow-up pages (per protocol and month, detail) and the export, for coordinators, ARS staff and (their own
interventions) professionals."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from portal.roles import Role
from protocols.models import Intervention
from protocols.services.imports import import_batch_create_from_bytes, import_batch_run
from tests.funding.eligibility_world import build_world
from tests.portal.factories import RegionFactory, StructureFactory, StructureMembershipFactory, agent_of
from tests.protocols.factories import SuspensionFactory

D = datetime.date


@pytest.fixture
def paca():
    region = RegionFactory(code="PACA")
    # A line counted per patient (an SNP forfait): the episode's second line is not paid.
    world = build_world(structure=StructureFactory(region=region, name="MSP des Tests"), counting_unit="patient")
    world.intervention(D(2025, 4, 2), episode_reference="EP-1")
    world.intervention(D(2025, 4, 9), episode_reference="EP-1")  # episode_deja_compte
    world.intervention(D(2025, 4, 12), episode_reference="EP-2")
    SuspensionFactory(protocol=world.protocol, starts_on=D(2025, 5, 1), lifted_on=D(2025, 5, 3))
    world.intervention(D(2025, 5, 2), episode_reference="EP-3")  # suspended
    world.intervention(D(2025, 5, 5), episode_reference="EP-4")
    world.recompute()
    neighbour = build_world(structure=StructureFactory(region=region, name="CPTS voisine", cpts=True))
    neighbour.intervention(D(2025, 4, 20), episode_reference="EP-9")
    neighbour.recompute()
    return world, neighbour


def _rows(response):
    return [
        (row["structure__name"], row["month"], row["total"], row["eligible"], row["excluded"], row["reasons"])
        for row in response.context["page"].object_list
    ]


def test_the_coordinator_sees_their_structure_per_protocol_and_month(client, paca):
    world, _ = paca
    client.force_login(world.coordinator)
    response = client.get(reverse("funding:intervention_overview"))
    assert response.status_code == 200
    assert _rows(response) == [
        ("MSP des Tests", D(2025, 5, 1), 2, 1, 1, [("protocole_suspendu", "Protocole suspendu à cette date", 1)]),
        (
            "MSP des Tests",
            D(2025, 4, 1),
            3,
            2,
            1,
            [("episode_deja_compte", "Épisode déjà compté (forfait par patient)", 1)],
        ),
    ]
    totals = response.context["totals"]
    assert (totals["total"], totals["eligible"], totals["excluded"]) == (5, 3, 2)


def test_the_ars_sees_the_whole_region_and_nothing_else(client, paca):
    world, neighbour = paca
    foreign = build_world(structure=StructureFactory(region=RegionFactory(code="CVL")))
    foreign.intervention(D(2025, 4, 3))
    foreign.recompute()
    client.force_login(agent_of(world.structure.region, Role.FINANCE_OFFICER))
    response = client.get(reverse("funding:intervention_overview"))
    assert {row[0] for row in _rows(response)} == {"MSP des Tests", "CPTS voisine"}
    assert response.context["totals"]["total"] == 6
    response = client.get(reverse("funding:intervention_overview"), {"structure": neighbour.structure.pk})
    assert response.context["totals"]["total"] == 1


def test_filters_by_status_reason_and_month(client, paca):
    world, _ = paca
    client.force_login(world.coordinator)
    url = reverse("funding:intervention_list")
    page = client.get(url, {"statut": "exclue"}).context["page"]
    assert {i.episode_reference for i in page.object_list} == {"EP-1", "EP-3"}
    page = client.get(url, {"motif": "episode_deja_compte"}).context["page"]
    assert [(i.episode_reference, i.performed_on) for i in page.object_list] == [("EP-1", D(2025, 4, 9))]
    page = client.get(url, {"annee": 2025, "mois": 5, "statut": "eligible"}).context["page"]
    assert [i.episode_reference for i in page.object_list] == ["EP-4"]
    content = client.get(url, {"motif": "protocole_suspendu"}).content.decode()
    assert "protocole_suspendu" in content and "Protocole suspendu à cette date" in content


def test_pages_run_a_constant_number_of_queries(client, paca):
    world, _ = paca
    client.force_login(agent_of(world.structure.region))
    client.get(reverse("funding:intervention_overview"))  # the first request of a session does more (MFA check)
    counts = []
    for extra in (0, 30):
        for day in range(extra):
            world.intervention(D(2025, 6, 1) + datetime.timedelta(days=day))
        world.recompute()
        for name in ("funding:intervention_overview", "funding:intervention_list"):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(reverse(name)).status_code == 200
            counts.append(len(queries))
    assert counts[:2] == counts[2:]


def test_a_professional_follows_only_his_own_interventions(client, paca):
    """A delegate sees the eligibility of the acts he performed (and why some are excluded), nobody else's."""
    world, neighbour = paca
    client.force_login(world.delegate.user)
    response = client.get(reverse("funding:intervention_list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "EP-1" in page and "episode_deja_compte" in page and "protocole_suspendu" in page
    assert "EP-9" not in page  # the neighbour's delegate's act
    client.force_login(neighbour.delegate.user)
    page = client.get(reverse("funding:intervention_list")).content.decode()
    assert "EP-9" in page and "EP-1" not in page
    assert client.get(reverse("funding:intervention_overview")).status_code == 200


def test_the_list_offers_modifier_where_can_change_allows_it(client, paca):
    """The follow-up list asks ``can_change`` (the edit page's and the service's rule): the delegate who performed
    the acts and a coordinator of the structure get « Modifier », the delegant and the ARS do not."""
    world, _ = paca
    coordinator = StructureMembershipFactory(structure=world.structure, role=Role.COORDINATOR).user
    expected = {world.delegate.user: 5, coordinator: 5, world.delegant.user: 0, agent_of(world.structure.region): 0}
    for user, links in expected.items():
        client.force_login(user)
        page = client.get(reverse("funding:intervention_list")).content.decode()
        assert page.count("/modifier/?next=") == links, user
        assert "EP-1" in page


def test_anonymous_users_cannot_reach_the_follow_up(client, paca):
    assert client.get(reverse("funding:intervention_list")).status_code == 302


# Export ---------------------------------------------------------------------------------------------------------


def _export_csv(client, **params) -> list[list[str]]:
    response = client.get(reverse("funding:intervention_export"), params)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_the_export_is_the_import_format_plus_status_and_reason(client, paca):
    world, _ = paca
    client.force_login(world.coordinator)
    lines = _export_csv(client)
    assert lines[0] == [
        "date_intervention",
        "protocole",
        "delegue_nom",
        "delegue_prenom",
        "delegue_identifiant",
        "delegant_nom",
        "delegant_prenom",
        "delegant_identifiant",
        "reference_episode",
        "date_second_contact",
        "second_contact_identifiant",
        "statut",
        "motif",
    ]
    assert len(lines) == 6
    assert lines[1][0] == "02/04/2025" and lines[1][1] == world.protocol.code
    assert lines[1][4] == world.delegate.identifier
    assert [(line[8], line[11], line[12]) for line in lines[1:]] == [
        ("EP-1", "éligible", ""),
        ("EP-1", "exclue", "episode_deja_compte"),
        ("EP-2", "éligible", ""),
        ("EP-3", "exclue", "protocole_suspendu"),
        ("EP-4", "éligible", ""),
    ]
    assert [line[8] for line in _export_csv(client, motif="episode_deja_compte")[1:]] == ["EP-1"]


def test_the_xlsx_export_has_real_dates(client, paca):
    world, _ = paca
    client.force_login(world.coordinator)
    response = client.get(reverse("funding:intervention_export"), {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value == "date_intervention" and sheet["M1"].value == "motif"
    assert sheet["A2"].value == datetime.datetime(2025, 4, 2)
    assert sheet.max_row == 6


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_exported_file_imported_again_changes_nothing(client, paca, fmt):
    world, _ = paca
    world.intervention(D(2025, 6, 2), second_contact_on=D(2025, 6, 4), second_contact_delegate=world.add_delegate())
    client.force_login(world.coordinator)
    response = client.get(reverse("funding:intervention_export"), {"format": fmt})
    content = b"".join(response.streaming_content) if response.streaming else response.content
    before = list(Intervention.objects.order_by("pk").values())
    batch = import_batch_create_from_bytes(
        structure=world.structure, content=content, name=f"export.{fmt}", by=world.coordinator
    )
    batch = import_batch_run(batch_id=batch.pk)
    assert (batch.outcome, batch.rows_read, batch.created_count, batch.identical_count) == ("imported", 6, 0, 6)
    assert list(Intervention.objects.order_by("pk").values()) == before


def test_the_import_summary_links_to_its_interventions(client, paca):
    world, _ = paca
    client.force_login(world.coordinator)
    batch = import_batch_create_from_bytes(
        structure=world.structure,
        content=(
            "date_intervention;protocole;delegue_nom;delegue_prenom;delegue_identifiant;delegant_nom;"
            "delegant_prenom;delegant_identifiant;reference_episode\n"
            f"03/06/2025;{world.protocol.code};;;{world.delegate.identifier};;;{world.delegant.identifier};EP-IMP\n"
        ).encode(),
        name="juin.csv",
        by=world.coordinator,
    )
    import_batch_run(batch_id=batch.pk)
    page = client.get(reverse("funding:intervention_list"), {"import": batch.pk}).context["page"]
    assert [i.episode_reference for i in page.object_list] == ["EP-IMP"]


def test_the_superadmin_sees_every_region(client, paca):
    from tests.portal.factories import UserFactory

    world, neighbour = paca
    foreign = build_world(structure=StructureFactory(region=RegionFactory(code="CVL")))
    foreign.intervention(D(2025, 4, 3))
    foreign.recompute()
    client.force_login(UserFactory(is_superuser=True, is_staff=True, with_totp=True))
    response = client.get(reverse("funding:intervention_overview"))
    assert response.status_code == 200
    assert response.context["totals"]["total"] == 7


def _reads_interventions(queries) -> bool:
    return any(Intervention._meta.db_table in query["sql"] for query in queries.captured_queries)


@pytest.mark.parametrize("coordinator", [True, False])
def test_the_overview_reads_the_monthly_counts_never_the_interventions(client, paca, coordinator):
    """Agents and coordinators: every figure and filter choice comes from the counts kept on write (issue 19)."""
    world, _ = paca
    client.force_login(world.coordinator if coordinator else agent_of(world.structure.region, Role.FINANCE_OFFICER))
    client.get(reverse("funding:intervention_overview"))
    for query in ({}, {"annee": 2025, "mois": 4}, {"statut": "exclue", "motif": "episode_deja_compte"}):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("funding:intervention_overview"), query)
        assert response.status_code == 200
        assert not _reads_interventions(queries), query
    label = "Épisode déjà compté (forfait par patient)"
    assert _rows(response) == [("MSP des Tests", D(2025, 4, 1), 1, 0, 1, [("episode_deja_compte", label, 1)])]
    expected = {world.protocol.pk} if coordinator else {world.protocol.pk, paca[1].protocol.pk}
    assert {protocol.pk for protocol in response.context["protocols"]} == expected
    # An episode is not a count's to answer: read from the interventions, with the same figures.
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("funding:intervention_overview"), {"episode": "EP-1"})
    assert _reads_interventions(queries)
    assert [row[2:5] for row in _rows(response)] == [(2, 1, 1)]


def test_a_professional_who_coordinates_elsewhere_sees_both_parts(client, paca):
    """The coordinator of the neighbour who is also a delegate of the MSP: the neighbour's counts plus his own acts in
    the MSP (read live: a count cannot say whose interventions it counts), nothing else of the MSP."""
    world, neighbour = paca
    user = world.delegate.user
    StructureMembershipFactory(structure=neighbour.structure, user=user, role=Role.COORDINATOR)
    other_delegate = world.add_delegate()
    world.intervention(D(2025, 5, 6), delegate=other_delegate, episode_reference="EP-OTHER")
    world.recompute()
    client.force_login(user)
    response = client.get(reverse("funding:intervention_overview"))
    assert {(row[0], row[1], row[2]) for row in _rows(response)} == {
        ("CPTS voisine", D(2025, 4, 1), 1),
        ("MSP des Tests", D(2025, 4, 1), 3),
        ("MSP des Tests", D(2025, 5, 1), 2),  # not EP-OTHER
    }
    assert response.context["totals"]["total"] == 6
