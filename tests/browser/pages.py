"""Page objects of the browser journeys: locators by role and label, as a user finds things."""

import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.conf import settings
from playwright.sync_api import Page, expect

SCREENSHOTS = settings.BASE_DIR / "var" / "screenshots"


def current_totp() -> str:
    """The code of the current 30-second window; waits for a fresh window when this one is about to end, so the
    code is still valid when the server checks it."""
    if time.time() % 30 > 25:
        time.sleep(30 - time.time() % 30 + 0.5)
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


def logged_in_context(browser, live_server_url: str, email: str):
    """A browser context already logged in as ``email`` (session cookie from Django, second factor recorded as
    after a TOTP login), for page checks that are not about the login itself."""
    from django.conf import settings as django_settings

    from portal.models import User
    from tests.clients import PortalClient

    client = PortalClient()
    client.force_login(User.objects.get(email=email))
    context = browser.new_context(base_url=live_server_url, bypass_csp=True)
    context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                "url": live_server_url,
            }
        ]
    )
    return context


def open_menu_entry(page: Page, label: str) -> None:
    """Follow an entry of the main menu, opening its drop-down group first when it has one."""
    navigation = page.locator("#fr-navigation")
    link = navigation.get_by_role("link", name=label, exact=True)
    if not link.count():  # role locators skip hidden elements: the entry is in a closed drop-down
        hidden = page.get_by_role("link", name=label, exact=True, include_hidden=True)  # relative to each item
        navigation.locator(".fr-nav__item", has=hidden).locator(".fr-nav__btn").click()
    link.click()


def expect_screenshots(*names: str, since: float) -> None:
    """The journey's key pages were saved, by this run (not left over from an earlier one)."""
    for name in names:
        path = SCREENSHOTS / f"{name}.png"
        assert path.exists() and path.stat().st_mtime >= since and path.stat().st_size > 0, f"capture absente : {path}"
