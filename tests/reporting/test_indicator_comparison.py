"""The region compares its funded structures on the campaign's follow-up indicators (issue 17, point 5): one row
per funded structure, one column per indicator and period, the same values on screen and in the CSV and XLSX
exports, pages of 25, an empty state, and a number of queries that does not grow with the structures."""

import csv
import io
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from funding.models import CampaignIndicator
from funding.services import indicators as services
from portal.roles import Role
from tests.funding.factories import WaveFactory
from tests.funding.indicator_world import TODAY, build_indicator_world, funded_structure
from tests.portal.factories import RegionFactory, agent_of


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def world(db):
    world = build_indicator_world()
    (oliviers, aix), (oliviers_coordinator, aix_coordinator) = world.grants, world.coordinators
    services.indicator_values_save(
        grant=oliviers,
        by=oliviers_coordinator,
        year=2025,
        values={(world.patients.pk, 0): Decimal(212), (world.delay.pk, 1): Decimal("4.5"), (world.delay.pk, 2): 3},
    )
    services.indicator_values_save(
        grant=aix, by=aix_coordinator, year=2025, values={(world.patients.pk, 0): Decimal(118)}
    )
    return world


def url(world, name="reporting:indicator_comparison", **query):
    base = reverse(name, kwargs={"campaign_id": world.campaign.pk})
    return base + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


def test_the_table_compares_two_structures(client, world):
    client.force_login(world.admin)
    response = client.get(url(world, annee=2025))
    assert response.status_code == 200
    context = response.context
    assert [column.header for column in context["columns"]] == [
        "Patients pris en charge (patients) — 2025",
        "Délai d'accès au soin (jours) — 1er semestre 2025",
        "Délai d'accès au soin (jours) — 2nd semestre 2025",
    ]
    rows = {row.grant.structure.name: row.cells for row in context["rows"]}
    assert rows == {
        "CPTS du Pays d'Aix": [Decimal("118.00"), None, None],
        "MSP des Oliviers": [Decimal("212.00"), Decimal("4.50"), Decimal("3.00")],
    }
    first = context["summaries"][0]
    assert (first.answered, first.mean, first.lowest, first.highest) == (2, Decimal("165.00"), 118, 212)
    page = response.content.decode()
    assert "MSP des Oliviers" in page and "212" in page and "4,5" in page


def test_the_year_without_values_is_the_latest_with_values_by_default(client, world):
    client.force_login(world.admin)
    assert client.get(url(world)).context["year"] == 2025
    rows = client.get(url(world, annee=2026)).context["rows"]
    assert [row.cells for row in rows] == [[None, None, None], [None, None, None]]


def test_the_csv_export_has_the_same_values(client, world):
    client.force_login(agent_of(world.campaign.region, Role.FINANCE_OFFICER))
    response = client.get(url(world, "reporting:indicator_comparison_csv", annee=2025))
    assert response.status_code == 200
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode()), delimiter=";"))
    assert lines[0][:2] == ["Structure", "FINESS"]
    assert lines[0][6:] == [
        "Patients pris en charge (patients) — 2025",
        "Délai d'accès au soin (jours) — 1er semestre 2025",
        "Délai d'accès au soin (jours) — 2nd semestre 2025",
    ]
    by_structure = {line[0]: line[6:] for line in lines[1:]}
    assert by_structure == {"CPTS du Pays d'Aix": ["118.00", "", ""], "MSP des Oliviers": ["212.00", "4.50", "3.00"]}


def test_the_xlsx_export_has_the_same_values(client, world):
    client.force_login(agent_of(world.campaign.region, Role.INSTRUCTOR))
    response = client.get(url(world, "reporting:indicator_comparison_xlsx", annee=2025))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][6] == "Patients pris en charge (patients) — 2025"
    by_structure = {row[0]: row[6:] for row in rows[1:]}
    assert by_structure == {"CPTS du Pays d'Aix": [118, None, None], "MSP des Oliviers": [212, 4.5, 3]}


def test_another_region_reaches_neither_the_table_nor_the_export(client, world):
    cvl = RegionFactory(code="CVL")
    for role in (Role.REGION_ADMIN, Role.INSTRUCTOR):
        client.force_login(agent_of(cvl, role))
        for name in (
            "reporting:indicator_comparison",
            "reporting:indicator_comparison_csv",
            "reporting:indicator_comparison_xlsx",
        ):
            assert client.get(url(world, name)).status_code == 404
        index = client.get(reverse("reporting:indicator_comparison_index")).content.decode()
        assert world.campaign.title not in index
    # A team, even funded by the campaign, does not open the region's table.
    client.force_login(world.coordinators[0])
    assert client.get(url(world)).status_code == 403


def test_empty_states(client, db):
    region = RegionFactory(code="PACA")
    admin = agent_of(region, Role.REGION_ADMIN)
    wave = WaveFactory(campaign__region=region)
    client.force_login(admin)
    page = client.get(reverse("reporting:indicator_comparison", kwargs={"campaign_id": wave.campaign_id}))
    assert "Aucun indicateur de suivi n'est défini pour cette campagne" in page.content.decode()
    CampaignIndicator.objects.create(
        campaign=wave.campaign, name="Actes", unit="actes", definition="Actes", periodicity="yearly", created_by=admin
    )
    page = client.get(reverse("reporting:indicator_comparison", kwargs={"campaign_id": wave.campaign_id}))
    assert "Aucune structure n'est encore financée par cette campagne." in page.content.decode()


def test_constant_number_of_queries_and_pages_of_25(client, world, django_assert_num_queries):
    client.force_login(world.admin)
    client.get(url(world))  # warms the session (second-factor check)
    # session, user, savepoint and release (atomic request), the user's region and structure roles (scope),
    # campaign, first grant's start (years), indicators, page count, page rows, their values, the region's
    # summaries per column (the year is chosen: the latest year with values is not looked up)
    with django_assert_num_queries(13):
        assert client.get(url(world, annee=2025)).status_code == 200
    wave = world.grants[0].dossier.wave
    for number in range(30):
        grant, coordinator = funded_structure(wave, f"Structure {number:02d}")
        services.indicator_values_save(
            grant=grant, by=coordinator, year=2025, values={(world.patients.pk, 0): Decimal(number)}
        )
    with django_assert_num_queries(13):
        response = client.get(url(world, annee=2025))
    assert response.context["page"].paginator.count == 32
    assert len(response.context["rows"]) == 25
    assert response.context["summaries"][0].answered == 32
    assert len(client.get(url(world, annee=2025, page=2)).context["rows"]) == 7
