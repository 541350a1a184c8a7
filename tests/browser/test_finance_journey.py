"""The ARS finance officer's journey on the demo data: PACA's 2025-H2 (a draft in the demo) is computed again by a
real Celery worker on Redis while the progress bar moves, then issued; the CSV, XLSX and PDF exports say what the
database says."""

import csv
import io
import time

from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from funding.models import ComputationRun, Statement, StatementStatus
from tests.browser.pages import expect_screenshots, log_in, screenshot
from tests.browser.pages_finance import StatementsPage

OFFICER = "finance.paca@demo.fr"
GRANT = "SUB-PACA-2025-001"
SHOTS = ("finance-etats", "finance-calcul-en-cours", "finance-calcul-termine", "finance-etats-emis")


def test_finance_officer_computes_issues_and_exports(page: Page, live_demo, celery_worker, tmp_path):
    started = time.time()
    runs_before = ComputationRun.objects.count()
    log_in(page, live_demo.url, OFFICER, totp=True)
    statements = StatementsPage(page, live_demo.url).open()
    screenshot(page, "finance-etats")

    run = statements.compute("2025-H2")
    expect(run.progress).to_be_visible()
    screenshot(page, "finance-calcul-en-cours")
    run.wait_until_done()
    computed = ComputationRun.objects.order_by("pk").last()
    assert ComputationRun.objects.count() == runs_before + 1 and computed.task_id  # queued, run by the worker
    h2 = Statement.objects.get(grant__reference=GRANT, year=2025, half=2)
    assert h2.status == StatementStatus.DRAFT
    table = run.statements_table()
    expect(table.get_by_role("row").filter(has_text="MSP des Oliviers")).to_contain_text(GRANT)
    screenshot(page, "finance-calcul-termine")

    issued = run.issue().wait_until_done()
    expect(page.get_by_role("heading", name="États émis")).to_be_visible()
    screenshot(page, "finance-etats-emis")
    h2.refresh_from_db()
    assert h2.status == StatementStatus.ISSUED

    summary = issued.download("Synthèse CSV", tmp_path).decode("utf-8")
    rows = {row[3]: row for row in csv.reader(io.StringIO(summary), delimiter=";")}
    assert rows[GRANT][4:11] == [
        "2025-H2",
        "emis",
        str(h2.eligible_count),
        str(h2.excluded_count),
        f"{h2.period_amount:.2f}",
        f"{h2.regularisation_amount:.2f}",
        f"{h2.total_amount:.2f}",
    ]
    assert h2.eligible_count > 0 and h2.excluded_count > 0  # the demo's H2 has suspended and late acts

    detail = issued.download("Détail CSV", tmp_path).decode("utf-8").splitlines()
    assert detail[0].startswith("finess;reference_subvention;reference_episode")
    assert sum(";protocole_suspendu" in line for line in detail) > 0  # the October 2025 suspension

    workbook = load_workbook(io.BytesIO(issued.download("Classeur XLSX", tmp_path)))
    assert workbook.sheetnames == ["États", "Lignes", "Détail"]
    sheet = workbook["États"]
    header = [cell.value for cell in sheet[1]]
    by_grant = {row[header.index("reference_subvention")]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert float(by_grant[GRANT][header.index("montant_total")]) == float(h2.total_amount)

    pdf = PdfReader(io.BytesIO(issued.download("États PDF", tmp_path)))
    text = " ".join(" ".join(p.extract_text().split()) for p in pdf.pages)
    assert "État de versement — 2nd semestre 2025" in text and "BROUILLON" not in text
    assert "MSP des Oliviers" in text
    expect_screenshots(*SHOTS, since=started)
