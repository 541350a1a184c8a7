"""An ARS instructor logs in with password and TOTP, lands on the PACA home and never sees CVL data; the technical
admin is reached through the same login and code."""

from django.conf import settings
from playwright.sync_api import Page, expect

from tests.browser.pages import current_totp, log_in, open_menu_entry, screenshot


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


def test_the_technical_admin_is_reached_through_the_portal_login_and_its_code(page: Page, live_demo):
    page.goto(f"{live_demo.url}/admin-technique/")
    # No password form of the admin's own: the portal's login page, then the TOTP code, then back to the admin.
    expect(page.get_by_label("Courriel")).to_be_visible()
    assert "/comptes/login/" in page.url
    page.get_by_label("Courriel").fill("superadmin@demo.fr")
    page.get_by_label("Mot de passe").fill(settings.DEMO_PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    expect(page.get_by_label("Code")).to_be_visible()
    page.get_by_label("Code").fill(current_totp())
    page.get_by_role("button", name="Connexion").click()
    expect(page.get_by_text("Portail des protocoles de coopération — administration technique")).to_be_visible()
    assert page.url.endswith("/admin-technique/")
    screenshot(page, "administration-technique")
