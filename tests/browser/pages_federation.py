"""Page objects of the federated logins: the portal's ProConnect / Pro Santé Connect buttons, the test provider's
pages (tests/oidc/provider.js), the logout that ends both sessions."""

from playwright.sync_api import Page, expect


def federated_log_in(page: Page, base_url: str, provider: str, login: str | None) -> None:
    """From the portal's login page through the provider and back; ``login`` None: the provider should not ask."""
    page.goto(f"{base_url}/comptes/login/")
    page.get_by_role("link", name=provider).click()
    # allauth's confirmation (a POST: no login is started by a mere link, e.g. in an e-mail)
    page.get_by_role("button", name="Continuer").click()
    if login is not None:
        expect(page.get_by_label("Identifiant")).to_be_visible()
        page.get_by_label("Identifiant").fill(login)
        page.get_by_role("button", name="Se connecter").click()


def log_out_everywhere(page: Page) -> None:
    """The portal's logout, then the provider's confirmation: both sessions end, the browser is back on the portal."""
    page.get_by_role("link", name="Se déconnecter").click()
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("heading", name="Se déconnecter du fournisseur d'identité ?")).to_be_visible()
    page.get_by_role("button", name="Oui, me déconnecter").click()
