"""The finance officer computes 2025-H2 (a real Celery worker on Redis), watches the progress bar, issues the
statements and downloads them as CSV, XLSX and PDF."""

import csv
import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from funding.models import Statement, StatementStatus
from portal.roles import Role
from tests.browser.pages import log_in, screenshot
from tests.browser.pages_finance import StatementsPage
from tests.funding.statement_scenarios import GrantScenario, celery_worker_on_redis, compute
from tests.portal.factories import RegionMembershipFactory, UserFactory

OFFICER = "finance.parcours@exemple.fr"


@pytest.fixture
def region_after_h1(transactional_db):
    """PACA with two grants: H1 issued; then late H1 lines, a retroactive exclusion and H2 activity."""
    oliviers = GrantScenario(dossier__structure__name="MSP des Oliviers")
    calanques = GrantScenario(dossier__structure__region=oliviers.region, dossier__structure__name="MSP des Calanques")
    paid = oliviers.add("2025-03-10", 120)
    calanques.add("2025-04-02", 300)
    compute(oliviers.region, "2025-H1", issue=True)
    oliviers.add("2025-06-28", 6)  # imported after the H1 statement
    oliviers.exclude(paid[:2], reason="protocole_suspendu")
    oliviers.add("2025-09-15", 40)
    oliviers.add("2025-09-16", 3, eligible=False, reason="delegue_non_forme")
    calanques.add("2025-10-01", 20)
    officer = UserFactory(email=OFFICER, first_name="Flore", last_name="Finances", with_totp=True)
    RegionMembershipFactory(user=officer, region=oliviers.region, role=Role.FINANCE_OFFICER)
    return oliviers, calanques


@pytest.fixture
def worker(region_after_h1):
    with celery_worker_on_redis() as running:
        yield running


def test_finance_officer_computes_issues_and_downloads(page: Page, live_server, region_after_h1, worker, tmp_path):
    oliviers, calanques = region_after_h1
    log_in(page, live_server.url, OFFICER, totp=True)
    statements = StatementsPage(page, live_server.url).open()
    screenshot(page, "finance-etats")

    run = statements.compute("2025-H2")
    expect(run.progress).to_be_visible()
    screenshot(page, "finance-calcul-en-cours")
    run.wait_until_done()
    table = run.statements_table()
    expect(table).to_contain_text(oliviers.grant.reference)
    expect(table).to_contain_text("MSP des Calanques")
    # MSP des Oliviers: 40 in H2 + régularisation (+6 late, −2 suspended) = 1,000 + 100 €.
    expect(table.get_by_role("row").filter(has_text="MSP des Oliviers")).to_contain_text("1\u00a0100,00\u00a0€")
    screenshot(page, "finance-calcul-termine")

    issued = run.issue().wait_until_done()
    expect(page.get_by_role("heading", name="États émis")).to_be_visible()
    screenshot(page, "finance-etats-emis")
    assert set(Statement.objects.filter(half=2).values_list("status", flat=True)) == {StatementStatus.ISSUED}

    summary = issued.download("Synthèse CSV", tmp_path).decode("utf-8")
    rows = {row[3]: row for row in csv.reader(io.StringIO(summary), delimiter=";")}
    assert rows[oliviers.grant.reference][5:11] == ["emis", "40", "3", "1000.00", "100.00", "1100.00"]
    assert rows[calanques.grant.reference][10] == "0.00"  # the cap was reached in H1

    detail = issued.download("Détail CSV", tmp_path).decode("utf-8").splitlines()
    assert detail[0].startswith("finess;reference_subvention;reference_episode")
    assert sum(";protocole_suspendu" in line for line in detail) == 2

    workbook = load_workbook(io.BytesIO(issued.download("Classeur XLSX", tmp_path)))
    assert workbook.sheetnames == ["États", "Lignes", "Détail"]

    pdf = PdfReader(io.BytesIO(issued.download("États PDF", tmp_path)))
    text = " ".join(" ".join(p.extract_text().split()) for p in pdf.pages)
    assert "État de versement — 2nd semestre 2025" in text and "BROUILLON" not in text
    assert "Régularisation du 1er semestre 2025" in text
