"""The FIR forecast of the ARS dashboard and its "what if": the worked example of docs/pilotage.md, read as it is
written, replayed through the dashboard; the rules of the method at their edges."""

import datetime
import re
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.utils.html import escape

from funding.models import GrantState
from portal.templatetags.portal_tags import euros as euros_text
from reporting.dashboards.forecast import Calendar, GrantTrend, grant_trend, what_if
from tests.funding.factories import WaveFactory
from tests.portal.factories import RegionFactory, agent_of
from tests.reporting.dashboard_world import issue, scenario_in

DOC = Path(__file__).resolve().parents[2] / "docs" / "pilotage.md"
URL = "/ars/tableau-de-bord/"
MID_JUNE = datetime.datetime(2025, 6, 15, 12, 0, tzinfo=datetime.UTC)
MONTHS = {"mars": 3, "avril": 4, "mai": 5}


def _table(marker: str) -> list[dict]:
    """The rows of the markdown table that follows ``<!-- marker -->`` in the doc, as dicts of its headers."""
    text = DOC.read_text()
    block = text.split(f"<!-- {marker} -->", 1)[1].split("<!-- fin -->", 1)[0]
    lines = [line.strip().strip("|").split("|") for line in block.strip().splitlines()]
    headers = [cell.strip() for cell in lines[0]]
    return [dict(zip(headers, (cell.strip() for cell in line), strict=True)) for line in lines[2:]]


def euros(text: str) -> Decimal:
    return Decimal(re.sub(r"[^\d,]", "", text).replace(",", "."))


def day(text: str) -> datetime.date:
    return datetime.datetime.strptime(text, "%d/%m/%Y").date()


def grants_of_the_doc() -> tuple[list[dict], dict]:
    rows = _table("exemple-prevision")
    return [row for row in rows if row["subvention"] != "campagne"], rows[-1]


def test_the_doc_example_holds_for_the_arithmetic():
    grants, campaign = grants_of_the_doc()
    calendar = Calendar.of(2025, MID_JUNE.date())
    assert len(calendar.remaining_months) == 7 and calendar.last_complete_month == datetime.date(2025, 5, 1)
    lows, highs = [], []
    for row in grants:
        counts = {datetime.date(2025, MONTHS[name], 1): int(row[name]) for name in MONTHS if row[name] != "—"}
        counts[datetime.date(2025, 2, 1)] = int(row["éligibles janvier à mai"]) - sum(counts.values())
        grant = {
            "rate": euros(row["forfait"]),
            "yearly_cap": euros(row["plafond"]),
            "starts_on": day(row["début"]),
            "ends_on": datetime.date(2027, 12, 31),
            "state": GrantState.ACTIVE,
        }
        trend = grant_trend(grant, counts, calendar)
        assert (trend.low, trend.high) == (euros(row["bas"]), euros(row["haut"])), row["subvention"]
        lows.append(trend.low)
        highs.append(trend.high)
    assert (sum(lows), sum(highs)) == (euros(campaign["bas"]), euros(campaign["haut"]))


@pytest.fixture
def doc_world(db):
    """The campaign of the doc: an envelope of €35,000 and the three grants with their interventions."""
    region = RegionFactory(code="PACA")
    wave = WaveFactory(campaign__region=region, campaign__budget=Decimal("35000.00"))
    grants, _campaign = grants_of_the_doc()
    for row in grants:
        scenario = scenario_in(
            wave, starts_on=day(row["début"]), rate=euros(row["forfait"]), yearly_cap=euros(row["plafond"])
        )
        months = {name: int(row[name]) for name in MONTHS if row[name] != "—"}
        for name, count in months.items():
            scenario.add(datetime.date(2025, MONTHS[name], 10), count)
        rest = int(row["éligibles janvier à mai"]) - sum(months.values())
        if rest:
            scenario.add("2025-02-10", rest)
        # Neither the current month nor excluded acts count.
        scenario.add("2025-06-02", 3)
        scenario.add("2025-05-12", 2, eligible=False, reason="doublon")
    return {"region": region, "wave": wave}


def test_the_dashboard_shows_the_doc_example(client, doc_world):
    _grants, campaign_row = grants_of_the_doc()
    client.force_login(agent_of(doc_world["region"]))
    with time_machine.travel(MID_JUNE, tick=False):
        response = client.get(URL, {"annee": 2025})
    assert response.status_code == 200
    [campaign] = response.context["fir"]["campaigns"]
    assert (campaign.low, campaign.high) == (euros(campaign_row["bas"]), euros(campaign_row["haut"]))
    assert (campaign.issued, campaign.drafts, campaign.budget) == (0, 0, Decimal("35000.00"))
    assert (campaign.remaining_low, campaign.remaining_high) == (Decimal("18250.00"), Decimal("21400.00"))
    page = response.content.decode()
    assert escape(response.context["fir"]["method"]) in page
    assert f"{euros_text(13600)} – {euros_text(16750)}" in page


def test_the_what_if_of_the_doc(client, doc_world):
    client.force_login(agent_of(doc_world["region"]))
    with time_machine.travel(MID_JUNE, tick=False):
        campaign_id = client.get(URL, {"annee": 2025}).context["fir"]["campaigns"][0].campaign_id
        response = client.get(
            URL,
            {
                "annee": 2025,
                "vague-campagne": campaign_id,
                "vague-projets": 5,
                "vague-forfait": "25",
                "vague-plafond": "7000",
                "vague-debut": "2025-09-01",
            },
        )
    assert response.status_code == 200
    years = response.context["what_if"]["years"]
    expected = _table("exemple-vague")
    assert [(str(year.year), str(year.months), year.low, year.high, year.ceiling) for year in years] == [
        (row["année"], row["mois financés"], euros(row["bas"]), euros(row["haut"]), euros(row["au plus"]))
        for row in expected
    ]
    assert 'data-testid="what-if-result"' in response.content.decode()


def test_a_bad_what_if_is_a_400_with_its_errors(client, doc_world):
    client.force_login(agent_of(doc_world["region"]))
    with time_machine.travel(MID_JUNE, tick=False):
        response = client.get(URL, {"annee": 2025, "vague-campagne": 999999, "vague-projets": 0})
    assert response.status_code == 400
    assert response.context["what_if"] is None
    assert "Le formulaire contient des erreurs" in response.content.decode()


def test_issued_and_computed_amounts_and_a_past_year(client, doc_world):
    """Once 2025-H1 is issued and the year is over, the forecast is the year's earned amount (no band)."""
    region = doc_world["region"]
    with time_machine.travel(datetime.datetime(2025, 7, 2, 9, 0, tzinfo=datetime.UTC), tick=False):
        issue(region, "2025-H1")
    client.force_login(agent_of(region))
    with time_machine.travel(datetime.datetime(2026, 2, 1, 9, 0, tzinfo=datetime.UTC), tick=False):
        response = client.get(URL, {"annee": 2025})
    [campaign] = response.context["fir"]["campaigns"]
    assert response.context["fir"]["calendar"].is_over
    # H1 issued: every eligible act of the year so far (A 80+3, B 200+3, C 30+3), B within its cap
    assert campaign.issued == Decimal("25.00") * (83 + 203 + 33)
    assert campaign.low == campaign.high == campaign.issued
    assert "L'année est écoulée" in response.content.decode()


def test_edges_of_the_calendar_and_of_a_closed_grant():
    last_day = Calendar.of(2025, datetime.date(2025, 5, 31))
    assert last_day.last_complete_month == datetime.date(2025, 5, 1) and len(last_day.remaining_months) == 7
    january = Calendar.of(2025, datetime.date(2025, 1, 20))
    assert january.recent_months == [
        datetime.date(2024, 10, 1),
        datetime.date(2024, 11, 1),
        datetime.date(2024, 12, 1),
    ]
    assert len(january.remaining_months) == 12
    grant = {
        "rate": Decimal("25"),
        "yearly_cap": Decimal("7000"),
        "starts_on": datetime.date(2024, 1, 1),
        "ends_on": datetime.date(2025, 8, 31),
        "state": GrantState.ACTIVE,
    }
    counts = {datetime.date(2024, 12, 1): 10, datetime.date(2024, 11, 1): 4}
    trend = grant_trend(grant, counts, january)
    assert (trend.earned, trend.recent, trend.months_left) == (0, (0, 4, 10), 8)  # ends in August
    assert (trend.low, trend.high) == (Decimal("0.00"), Decimal("2000.00"))
    closed = grant_trend({**grant, "state": GrantState.CLOSED}, counts, january)
    assert closed.months_left == 0 and closed.high == Decimal("0.00")
    assert GrantTrend(Decimal("25"), Decimal("7000"), 0, (), 7).high == Decimal("0.00")


def test_what_if_without_activity_shows_the_ceiling_only():
    years = what_if(projects=2, rate=Decimal("25"), cap=Decimal("7000"), start=datetime.date(2026, 3, 15), pace=None)
    assert [(y.year, y.months, y.low, y.ceiling) for y in years] == [
        (2026, 10, None, Decimal("14000.00")),
        (2027, 12, None, Decimal("14000.00")),
        (2028, 12, None, Decimal("14000.00")),
    ]


def test_another_region_sees_none_of_it(client, doc_world):
    client.force_login(agent_of(RegionFactory(code="CVL")))
    with time_machine.travel(MID_JUNE, tick=False):
        response = client.get(URL, {"annee": 2025})
    assert response.context["fir"]["campaigns"] == []
