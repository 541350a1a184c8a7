"""Dashboards in the browser, on the demo: the coordinator reads the 2025-H2 comparison and its data table, then
follows an exclusion to the intervention; the instructor filters the region by département."""

import re

from playwright.sync_api import Page, expect

from tests.browser.pages import log_in, screenshot
from tests.browser.pages_dashboards import AgencyDashboard, Dashboard


def test_coordinator_dashboard(page: Page, live_demo):
    log_in(page, live_demo.url, "coordinateur.msp@demo.fr")
    page.get_by_test_id("home-dashboards").get_by_role("link", name="Mon tableau de bord").click()
    dashboard = Dashboard(page).filter(Semestre="2025-H2")
    title = "Interventions par mois : 2nd semestre 2025 et 1er semestre 2025"
    expect(dashboard.chart(title)).to_be_visible()
    table = dashboard.data_table(title)
    expect(table.get_by_role("row", name="juil. / janv.")).to_contain_text("32")
    expect(dashboard.chart("Plafond 2025 consommé — SUB-PACA-2025-001")).to_be_visible()
    screenshot(page, "tableau-de-bord-coordinateur")
    exclusions = page.get_by_test_id("dashboard-exclusions")
    exclusions.get_by_role("link", name="Corriger l'intervention EP-2025-TYPO du 16/06/2027").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Corriger l'intervention du 16/06/2027")


def test_instructor_dashboard(page: Page, live_demo):
    log_in(page, live_demo.url, "instructeur.paca@demo.fr", totp=True)
    dashboard = AgencyDashboard(page).open_from_menu().filter(Année="2025")
    expect(dashboard.chart("Interventions par mois en 2025")).to_be_visible()
    table = dashboard.data_table("Candidatures : déposées, recevables, retenues")
    expect(table.get_by_role("row", name="Retenues")).to_contain_text("1")
    expect(page.get_by_test_id("agency-money")).to_contain_text("35 000,00 €")
    screenshot(page, "tableau-de-bord-ars")
    dashboard.filter(Département="13")
    expect(page).to_have_url(re.compile(r"departement=13"))
    expect(page.get_by_test_id("agency-money")).to_contain_text("2 025,00 €")
