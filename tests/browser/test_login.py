"""An ARS instructor logs in with password and TOTP, lands on the PACA home and never sees CVL data."""

from playwright.sync_api import Page, expect

from tests.browser.pages import log_in, open_menu_entry, screenshot


def test_instructor_logs_in_with_totp_and_sees_paca_only(page: Page, live_demo):
    log_in(page, live_demo.url, "instructeur.paca@demo.fr", totp=True)
    expect(page.get_by_role("heading", name="Agence régionale de santé Provence-Alpes-Côte d'Azur")).to_be_visible()
    expect(page.get_by_test_id("roles-bar")).to_contain_text("Instructeur ARS")
    screenshot(page, "instructeur-accueil")
    open_menu_entry(page, "Structures")
    expect(page.get_by_role("link", name="MSP des Oliviers")).to_be_visible()
    content = page.content()
    assert "MSP du Val de Loire" not in content
    assert "Centre-Val de Loire" not in content
    screenshot(page, "instructeur-structures")
