"""The national view (pilote_national): aggregates of every region per protocol group and half-year, sorted
table and chart, drill-down, exports; nothing about a person; query counts flat in the number of regions."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from portal.regions import REGIONS
from portal.roles import Role
from tests.portal.factories import RegionFactory, agent_of, coordinator_of, national_pilot
from tests.reporting.dashboard_world import report
from tests.reporting.national_world import MARKER_NAME, national_adhesion, region_with_activity

URL = reverse("reporting:national_dashboard")
TODAY = datetime.datetime(2026, 1, 25, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def world(db):
    for code, _name in REGIONS:  # a migration fills them, but a flushed test database may have lost them
        RegionFactory(code=code)
    paca = region_with_activity("PACA", eligible=6, excluded=2)
    cvl = region_with_activity("CVL", budget=None, theme="prevention", eligible=3, excluded=0)
    national_adhesion(paca.region)
    report(paca.grant, state="draft", due_on=datetime.date(2025, 9, 30))  # late on 25 January 2026
    return {"paca": paca, "cvl": cvl, "pilot": national_pilot()}


def rows_by_code(response) -> dict:
    return {row.code: row for row in response.context["rows"]}


def test_the_pilot_sees_every_region(client, world):
    client.force_login(world["pilot"])
    response = client.get(URL, {"periode": "2025-H1"})
    assert response.status_code == 200
    rows = rows_by_code(response)
    assert len(rows) == 18  # every ARS, with or without activity
    paca, cvl = rows["PACA"], rows["CVL"]
    assert (paca.cell.structures, paca.cell.protocols) == (2, 2)  # the MSP's local protocol and the CPTS's adhesion
    assert (paca.cell.teams, paca.cell.delegants, paca.cell.delegates) == (1, 1, 1)
    assert (paca.cell.interventions, paca.cell.eligible, paca.cell.excluded) == (8, 6, 2)
    assert paca.cell.excluded_by_reason == {"doublon": 2}
    assert (paca.cell.issued, paca.cell.paid) == (Decimal("150.00"), Decimal("75.00"))
    assert (paca.budget, paca.consumed, paca.consumption_share) == (Decimal("20000.00"), Decimal("150.00"), 1)
    assert paca.cell.reports_late == 1
    assert (cvl.cell.interventions, cvl.cell.issued, cvl.budget) == (3, Decimal("75.00"), None)
    assert rows["BRE"].cell.interventions == 0
    total = response.context["total"]
    assert (total.structures, total.interventions, total.eligible, total.issued) == (3, 11, 9, Decimal("225.00"))
    groups = {group.label: cell for group, cell in response.context["groups"]}
    assert groups["Protocoles locaux — Suivi de maladies chroniques (HTA, diabète, BPCO…)"].interventions == 8
    assert groups["Protocoles locaux — Prévention, dépistage et vaccination"].interventions == 3
    assert [label for label in groups if "protocole national" in label] == [
        "Pollakiurie et brûlures mictionnelles (protocole national)"
    ]
    assert response.context["reasons"] == [
        ("doublon", "Doublon : même acte déjà déclaré (même épisode, date et délégué)", 2, 100)
    ]
    # The chart and its data table: one bar per region, same figures.
    chart = dict(response.context["chart"].rows)
    assert chart["PACA"] == ("6", "2", "0") and chart["CVL"] == ("3", "0", "0")


def test_the_page_opens_on_the_half_year_of_the_latest_activity(client, world):
    client.force_login(world["pilot"])
    response = client.get(URL)
    assert response.context["period"].year == 2025 and response.context["period"].half == 1


def test_sorting_the_regions(client, world):
    client.force_login(world["pilot"])
    codes = [row.code for row in client.get(URL, {"periode": "2025-H1"}).context["rows"]]
    assert codes[:2] == ["PACA", "CVL"]  # most interventions first, by default
    response = client.get(URL, {"periode": "2025-H1", "tri": "region", "ordre": "asc"})
    names = [row.name for row in response.context["rows"]]
    assert (
        names[:2] == ["Auvergne-Rhône-Alpes", "Bourgogne-Franche-Comté"] and names[-1] == "Provence-Alpes-Côte d'Azur"
    )
    assert names.index("Île-de-France") == names.index("Hauts-de-France") + 1  # accents do not send it last
    assert 'aria-sort="ascending"' in response.content.decode()
    codes = [row.code for row in client.get(URL, {"periode": "2025-H1", "tri": "emis"}).context["rows"]]
    assert codes[:2] == ["PACA", "CVL"]
    unknown = client.get(URL, {"periode": "2025-H1", "tri": "nimporte"})
    assert unknown.status_code == 200 and unknown.context["sort"] == "interventions"


def test_a_bad_half_year_is_a_400(client, world):
    client.force_login(world["pilot"])
    response = client.get(URL, {"periode": "2031-H3"})
    assert response.status_code == 400


def test_drill_down_to_a_region(client, world):
    client.force_login(world["pilot"])
    paca = world["paca"].region
    response = client.get(reverse("reporting:national_region", kwargs={"region_id": paca.pk}), {"periode": "2025-H1"})
    assert response.status_code == 200
    context = response.context
    assert context["total"].interventions == 8
    assert [str(p) for p, _cell in context["trend"]] == ["2023-H2", "2024-H1", "2024-H2", "2025-H1"]
    [envelope] = context["envelopes"]
    assert (envelope.budget, envelope.consumed, envelope.paid) == (
        Decimal("20000.00"),
        Decimal("150.00"),
        Decimal("75.00"),
    )
    assert client.get(reverse("reporting:national_region", kwargs={"region_id": 999999})).status_code == 404


def test_exports(client, world):
    client.force_login(world["pilot"])
    response = client.get(reverse("reporting:national_export_csv"), {"periode": "2025-H1"})
    assert response.status_code == 200
    lines = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()), delimiter=";"))
    paca = [line for line in lines if line["code_region"] == "PACA" and line["semestre"] == "2025-H1"]
    local = next(line for line in paca if line["type_protocole"] == "local")
    assert (local["interventions"], local["interventions_eligibles"], local["exclues_doublon"]) == ("8", "6", "2")
    assert (local["montant_emis"], local["montant_paye"], local["rapports_en_retard"]) == ("150.00", "75.00", "1")
    assert {line["semestre"] for line in lines} <= {"2025-H1", "2024-H2", "2024-H1"}

    response = client.get(reverse("reporting:national_export_xlsx"), {"periode": "2025-H1"})
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Agrégats", "Enveloppes FIR"]
    envelopes = list(workbook["Enveloppes FIR"].values)
    assert envelopes[0][:4] == ("code_region", "region", "campagne", "enveloppe_fir")
    assert [row[0] for row in envelopes[1:]] == ["CVL", "PACA"]


@pytest.mark.parametrize(
    "role", [Role.INSTRUCTOR, Role.FINANCE_OFFICER, Role.REGION_ADMIN, Role.COMMITTEE_MEMBER, Role.COORDINATOR]
)
def test_other_roles_are_refused(client, world, role):
    region = world["paca"].region
    user = coordinator_of(world["paca"].grant.structure) if role == Role.COORDINATOR else agent_of(region, role)
    client.force_login(user)
    for url in (
        URL,
        reverse("reporting:national_region", kwargs={"region_id": region.pk}),
        reverse("reporting:national_export_csv"),
        reverse("reporting:national_export_xlsx"),
    ):
        assert client.get(url).status_code == 403


def test_no_page_shows_a_person_a_structure_or_a_dossier(client, world):
    client.force_login(world["pilot"])
    paca = world["paca"]
    markers = [
        MARKER_NAME,
        paca.delegate.rpps,
        paca.delegant.rpps,
        paca.grant.structure.finess,
        paca.grant.structure.name,
        paca.grant.dossier.reference,
        paca.grant.reference,
        paca.grant.protocol.code,
    ]
    pages = [
        client.get(URL, {"periode": "2025-H1"}),
        client.get(reverse("reporting:national_region", kwargs={"region_id": paca.region.pk}), {"periode": "2025-H1"}),
        client.get(reverse("reporting:national_export_csv"), {"periode": "2025-H1"}),
    ]
    for response in pages:
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode()
        assert "Provence" in text  # the page is about the data, and shows none of its people
        for marker in markers:
            assert marker not in text, marker


def test_query_count_is_flat_in_the_number_of_regions(client, world, django_assert_num_queries):
    client.force_login(world["pilot"])
    client.get(URL)  # the first request of the session also records the second factor in it

    def page():
        cache.clear()  # every aggregate is computed, none read from Redis
        assert client.get(URL, {"periode": "2025-H1"}).status_code == 200

    # session, user, the request's savepoint and its release, scope (agency and structure memberships), the
    # regions, the activity bounds (first declaration, latest intervention), the five aggregates (protocols, teams,
    # interventions, statements, late reports), the envelopes, the national catalogue's labels
    expected = 16
    with django_assert_num_queries(expected):
        page()
    for code in ("BRE", "OCC", "NAQ", "IDF"):
        region_with_activity(code, eligible=4, excluded=1)
    national_adhesion(RegionFactory(code="GE"), code="SNP-ODYNOPHAGIE")
    with django_assert_num_queries(expected):
        page()
    assert sum(row.cell.interventions > 0 for row in client.get(URL, {"periode": "2025-H1"}).context["rows"]) == 6
