"""The national pilot in the browser, on the demo: logs in with TOTP, compares the regions, sorts them, opens one,
exports the aggregates (no person in them); the instructor prices a next wave beside the FIR envelope."""

import csv
import io
import time

from playwright.sync_api import Page, expect

from tests.browser.pages import expect_screenshots, log_in, screenshot
from tests.browser.pages_national import ForecastDashboard, NationalView


def test_the_national_pilot_compares_the_regions(page: Page, live_demo):
    started = time.time()
    log_in(page, live_demo.url, "pilote.national@demo.fr", totp=True)
    national = NationalView(page).open_from_menu().filter(Semestre="2025-H1")
    expect(national.chart("Interventions par région, 1er semestre 2025")).to_be_visible()
    table = national.data_table("Interventions par région, 1er semestre 2025")
    expect(table.get_by_role("row", name="OCC")).to_be_visible()
    expect(national.regions).to_contain_text("Provence-Alpes-Côte d'Azur")
    screenshot(page, "vue-nationale")

    national.sort_by("Région")
    names = national.region_names()
    assert names[0] == "Auvergne-Rhône-Alpes" and len(names) == 18

    region = national.open_region("Occitanie")
    expect(region.get_by_test_id("national-region-envelopes")).to_contain_text("Occitanie")
    expect(region.get_by_test_id("national-groups")).to_contain_text("Protocoles locaux")
    screenshot(page, "vue-nationale-occitanie")

    page.go_back()
    content = national.download("Exporter (CSV)").decode()
    rows = list(csv.DictReader(io.StringIO(content), delimiter=";"))
    assert {row["code_region"] for row in rows} >= {"PACA", "NAQ", "BRE", "OCC"}
    for marker in ("MSP des Oliviers", "130012347", "10000000025", "Bernard", "LOC-PACA-HTA"):
        assert marker not in content
    expect_screenshots("vue-nationale", "vue-nationale-occitanie", since=started)


def test_the_instructor_prices_a_next_wave(page: Page, live_demo):
    log_in(page, live_demo.url, "instructeur.paca@demo.fr", totp=True)
    dashboard = ForecastDashboard(page).open_from_menu().filter(Année="2025")
    forecast = page.get_by_test_id("agency-fir-forecast")
    expect(forecast).to_contain_text("AMI protocoles de coopération locaux 2025")
    expect(forecast).to_contain_text("Méthode (proposition du portail)")
    dashboard.what_if(**{"Nombre de projets": "3", "Début des subventions": "2026-01-01"})
    result = page.get_by_test_id("what-if-result")
    expect(result.get_by_role("row", name="2026")).to_contain_text("21 000,00 €")  # 3 projects at the €7,000 cap
    expect(result).to_contain_text("Reste prévu sur l'enveloppe")
    screenshot(page, "prevision-fir")
    forecast.get_by_role("link", name="Mesure d'impact").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Mesure d'impact")
    expect(page.get_by_test_id("impact-teams")).to_contain_text("MSP des Oliviers")
