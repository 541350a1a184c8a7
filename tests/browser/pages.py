"""Page objects of the browser journeys: locators by role and label, as a user finds things."""

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.conf import settings
from playwright.sync_api import Page, expect

SCREENSHOTS = settings.BASE_DIR / "var" / "screenshots"


def current_totp() -> str:
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(settings.DEMO_TOTP_SECRET, counters[len(counters) // 2]))


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def log_in(page: Page, base_url: str, email: str, *, totp: bool = False) -> None:
    page.goto(f"{base_url}/comptes/login/")
    page.get_by_label("Courriel").fill(email)
    page.get_by_label("Mot de passe").fill(settings.DEMO_PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    if totp:
        expect(page.get_by_label("Code")).to_be_visible()
        page.get_by_label("Code").fill(current_totp())
        page.get_by_role("button", name="Connexion").click()
    expect(page.get_by_role("link", name="Se déconnecter")).to_be_visible()
