"""The biannual report journey on the demo data: the coordinator of the MSP des Oliviers completes and submits the
2025-H2 report, the instructor asks for a change, the coordinator resubmits, the instructor accepts and downloads
the PDF."""

import io
import re

from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from reporting.models import BiannualReport, ReportState
from tests.browser.pages import log_in, screenshot
from tests.browser.pages_reports import AgencyReportsPage, MyReportsPage

COORDINATOR = "coordinateur.msp@demo.fr"
INSTRUCTOR = "instructeur.paca@demo.fr"


def test_reports_journey(page: Page, browser: Browser, live_demo, tmp_path):
    base = live_demo.url
    log_in(page, base, COORDINATOR)
    reports = MyReportsPage(page).open()
    screenshot(page, "rapports-coordinateur")
    form = reports.report("2nd semestre 2025")
    expect(page.get_by_test_id("report-summary")).to_contain_text("Interventions éligibles")
    expect(page.locator("svg").first).to_be_visible()  # the charts are drawn on the page
    form.fill("Difficultés rencontrées", "Départ d'une infirmière en novembre, remplacée en décembre.")
    form.fill("Indicateurs du protocole", "Patients hypertendus suivis : 171\nRéorientations vers le médecin : 6")
    form.fill("Perspectives", "Ouvrir le protocole au pharmacien de la maison de santé.")
    screenshot(page, "rapport-h2-redaction")
    form.submit()
    screenshot(page, "rapport-h2-transmis")

    ars = browser.new_context().new_page()
    log_in(ars, base, INSTRUCTOR, totp=True)
    agency = AgencyReportsPage(ars).open()
    agency.filter_state("Transmis à l'ARS")
    screenshot(ars, "rapports-ars")
    review = agency.review("MSP des Oliviers")
    expect(ars.get_by_role("heading", level=1)).to_contain_text("2nd semestre 2025")
    review.request_changes("Précisez la répartition de la subvention au second semestre.")
    screenshot(ars, "rapport-h2-modifications-demandees")

    form = MyReportsPage(page).open().report("2nd semestre 2025")
    expect(page.get_by_test_id("ars-comment")).to_contain_text("Précisez la répartition")
    form.fill("Répartition entre délégants et délégués", "40 % délégant, 60 % délégués, revu en réunion le 5/01.")
    form.submit()

    review = AgencyReportsPage(ars).open().review("MSP des Oliviers")
    expect(ars.get_by_role("heading", level=1)).to_contain_text("Transmis à l'ARS")
    review.accept()
    screenshot(ars, "rapport-h2-accepte")
    data = review.download_pdf(tmp_path)
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    text = re.sub(r"\s+", " ", text)
    assert "Rapport semestriel — 2nd semestre 2025" in text and "MSP des Oliviers" in text
    assert "revu en réunion le 5/01" in text and "Accepté le" in text
    report = BiannualReport.objects.get(grant__reference="SUB-PACA-2025-001", year=2025, half=2)
    assert report.state == ReportState.ACCEPTED
    assert list(report.transitions.values_list("to_state", flat=True))[-4:] == [
        "submitted",
        "changes_requested",
        "submitted",
        "accepted",
    ]
