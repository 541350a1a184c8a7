"""Exports of a region's statements: stable column sets, draft and issued alike, streamed."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from funding.exports.statements import (
    DETAIL_XLSX,
    SUMMARY_HEADER,
    detail_csv,
    detail_rows,
    region_statements,
    statements_xlsx,
    summary_csv,
)
from funding.models import Statement
from funding.periods import Period
from funding.services.statement_pdf import statement_pdf, statements_pdf_bytes
from tests.funding.statement_scenarios import GrantScenario, compute

H2 = Period(2025, 2)
SUMMARY = (
    "region;finess;structure;reference_subvention;periode;statut;interventions_eligibles;interventions_exclues;"
    "montant_periode;regularisation;montant_total;cumul_annee;plafond_restant;regime;payeur"
)
DETAIL = "finess;reference_subvention;reference_episode;date_intervention;protocole;delegue_identifiant;"
DETAIL += "delegant_identifiant;statut;motif"


@pytest.fixture
def region_h2():
    """Two grants: one with H1 issued (200), then late H1 lines, 3 suspended ones and H2 activity; one small."""
    big = GrantScenario()
    h1 = big.add("2025-03-01", 200)
    small = GrantScenario(dossier__structure__region=big.region, dossier__structure__name="MSP Zéphyr")
    small.add("2025-02-01", 2)
    compute(big.region, "2025-H1", issue=True)
    big.add("2025-06-20", 4)  # late H1
    big.exclude(h1[:3], reason="protocole_suspendu")
    big.add("2025-09-01", 10)
    big.add("2025-09-02", 2, eligible=False, reason="delegue_non_forme")
    small.add("2025-10-01", 1)
    compute(big.region, "2025-H2")
    return big, small


def _text(chunks) -> str:
    return b"".join(chunks).decode("utf-8")


def test_summary_csv_columns_and_values(region_h2):
    big, small = region_h2
    rows = list(csv.reader(io.StringIO(_text(summary_csv(region_statements(big.region, H2)))), delimiter=";"))
    assert ";".join(rows[0]) == SUMMARY and rows[0] == SUMMARY_HEADER
    by_grant = {row[3]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert len(by_grant) == 2
    line = by_grant[big.grant.reference]
    assert line["region"] == "PACA" and line["finess"] == big.grant.structure.finess
    assert (line["periode"], line["statut"]) == ("2025-H2", "brouillon")
    assert (line["interventions_eligibles"], line["interventions_exclues"]) == ("10", "2")
    # period: min(211 × 25 + 250) … = 5275 − 5025; régularisation: 201 × 25 − 5000 = +25 (4 late, 3 removed).
    assert (line["montant_periode"], line["regularisation"], line["montant_total"]) == ("250.00", "25.00", "275.00")
    assert (line["cumul_annee"], line["plafond_restant"]) == ("5275.00", "1725.00")
    assert (line["regime"], line["payeur"]) == ("ami", f"{big.region.agency_name} (FIR)")
    assert by_grant[small.grant.reference]["structure"] == "MSP Zéphyr"


def test_detail_csv_lists_the_period_and_the_regularisations_with_reasons(region_h2):
    big, small = region_h2
    text = _text(detail_csv(region_statements(big.region, H2), H2))
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert ";".join(rows[0]) == DETAIL
    mine = [row for row in rows[1:] if row[1] == big.grant.reference]
    assert len(mine) == 10 + 2 + 4 + 3
    statuses = [(row[7], row[8]) for row in mine]
    assert statuses.count(("eligible", "")) == 14
    assert statuses.count(("exclue", "delegue_non_forme")) == 2
    assert statuses.count(("exclue", "protocole_suspendu")) == 3
    assert {row[0] for row in mine} == {big.grant.structure.finess}
    assert {row[4] for row in mine} == {big.grant.protocol.code}
    assert {row[5] for row in mine} == {big.delegate.rpps} and {row[6] for row in mine} == {big.delegant.rpps}
    assert mine[0][3] == "2025-09-01"  # the period's own interventions first, then the régularisations
    assert len([row for row in rows[1:] if row[1] == small.grant.reference]) == 1


def test_the_detail_of_an_issued_statement_is_its_frozen_list_and_matches_the_draft(region_h2):
    big, _ = region_h2
    draft = _text(detail_csv(region_statements(big.region, H2), H2))
    compute(big.region, "2025-H2", issue=True)
    assert set(Statement.objects.of_period(H2).values_list("status", flat=True)) == {"issued"}
    issued = _text(detail_csv(region_statements(big.region, H2), H2))
    assert issued == draft
    big.add("2025-09-03", 1)  # arrives after the issue: the frozen detail does not move
    assert _text(detail_csv(region_statements(big.region, H2), H2)) == draft
    summary = _text(summary_csv(region_statements(big.region, H2)))
    assert ";emis;" in summary and ";brouillon;" not in summary


def test_the_csv_and_the_xlsx_detail_list_the_same_rows(region_h2):
    """The CSV comes from PostgreSQL's COPY, the XLSX from a server-side cursor: same SQL, same rows."""
    big, _ = region_h2
    statements = region_statements(big.region, H2)
    csv_rows = list(csv.reader(io.StringIO(_text(detail_csv(statements, H2))), delimiter=";"))[1:]
    xlsx_rows = [["" if value is None else str(value) for value in row[:-1]] for row in detail_rows(statements, H2)]
    assert len(csv_rows) > 1
    assert csv_rows == xlsx_rows


def test_text_cells_that_look_like_formulas_are_neutralised():
    scenario = GrantScenario()
    intervention = scenario.add("2025-03-01", 1)[0]
    intervention.episode_reference = "=HYPERLINK(1)"
    intervention.save()
    compute(scenario.region, "2025-H1")
    text = _text(detail_csv(region_statements(scenario.region, Period(2025, 1)), Period(2025, 1)))
    assert ";'=HYPERLINK(1);" in text


def test_xlsx_has_one_sheet_per_view_with_typed_cells(region_h2, tmp_path):
    big, _ = region_h2
    target = tmp_path / "etats.xlsx"
    statements_xlsx(region_statements(big.region, H2), H2, target, detail=True)
    workbook = load_workbook(target)
    assert workbook.sheetnames == ["États", "Lignes", "Détail"]
    summary = workbook["États"]
    assert [cell.value for cell in summary[1]] == SUMMARY_HEADER
    assert summary.max_row == 3
    total = summary.cell(row=2, column=SUMMARY_HEADER.index("montant_total") + 1)
    assert total.value == 275 and "€" in total.number_format
    lines = workbook["Lignes"]
    assert [cell.value for cell in lines[2]][2:4] == ["periode", 2025]
    assert lines.max_row == 1 + 3  # big: period + régularisation; small: period
    detail = workbook["Détail"]
    assert [cell.value for cell in detail[1]] == [column.header for column in DETAIL_XLSX]
    assert detail.max_row == 1 + 19 + 1
    assert isinstance(detail.cell(row=2, column=4).value, datetime.datetime)
    assert {detail.cell(row=r, column=10).value for r in range(2, detail.max_row + 1)} == {
        "periode",
        "regularisation 2025",
    }


def test_xlsx_without_detail_has_two_sheets(region_h2, tmp_path):
    big, _ = region_h2
    statements_xlsx(region_statements(big.region, H2), H2, tmp_path / "e.xlsx")
    assert load_workbook(tmp_path / "e.xlsx").sheetnames == ["États", "Lignes"]


def _pdf_text(data: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())


def test_statement_pdf_has_the_letterhead_lines_and_reasons(region_h2):
    big, _ = region_h2
    statement = big.statement("2025-H2")
    text = _pdf_text(statement_pdf(statement=statement))
    assert big.region.agency_name in text
    assert statement.reference in text
    assert "BROUILLON" in text
    assert "Régularisation du 1er semestre 2025" in text
    assert "Formation du délégué non terminée" in text
    assert "275,00" in text
    assert not Statement.objects.get(pk=statement.pk).pdf  # a draft is never stored


def test_an_issued_statement_pdf_is_stored_once_with_its_hash(region_h2):
    big, _ = region_h2
    h1 = big.statement("2025-H1")
    first = statement_pdf(statement=h1)
    stored = Statement.objects.get(pk=h1.pk)
    assert stored.pdf and len(stored.pdf_sha256) == 64
    assert statement_pdf(statement=stored) == first
    assert "BROUILLON" not in _pdf_text(first) and "Émis le" in _pdf_text(first)
    assert stored.total_amount == Decimal("5000.00") and "5 000,00" in _pdf_text(first)


def test_region_pdf_has_one_statement_per_page(region_h2):
    big, small = region_h2
    reader = PdfReader(io.BytesIO(statements_pdf_bytes(region_statements(big.region, H2))))
    assert len(reader.pages) >= 2
    assert small.grant.reference in reader.pages[-1].extract_text()
