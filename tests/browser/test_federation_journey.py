"""Federated logins in Chromium, through the test OpenID Connect provider (tests/oidc/provider.js): an ARS
instructor links ProConnect from « Mon compte » (password and TOTP), then logs in with it (MFA at the provider: no
TOTP at the portal), logout that ends the provider's session too; a physician with Pro Santé Connect who finds the
invitation waiting for him."""

import time

import pytest
from playwright.sync_api import Page, expect

from config.settings.base import oidc_origins
from portal.models import FederatedLoginEvent, Structure, User
from portal.roles import Role
from tests.browser.pages import expect_screenshots, log_in, screenshot
from tests.browser.pages_federation import federated_log_in, log_out_everywhere
from tests.portal.factories import InvitationFactory


@pytest.fixture
def provider(oidc_provider, live_demo, settings):
    """The provider knows the portal at the live server's address; the portal's CSP lets its forms lead there."""
    oidc_provider.register_portal(live_demo.url)
    apps = settings.SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"]
    policy = {**settings.CONTENT_SECURITY_POLICY}
    policy["DIRECTIVES"] = {**policy["DIRECTIVES"], "form-action": ["'self'", *oidc_origins(apps)]}
    settings.CONTENT_SECURITY_POLICY = policy
    return oidc_provider


def test_an_instructor_logs_in_with_proconnect_and_logs_out_of_both(page: Page, live_demo, provider):
    started = time.time()
    provider.add_agent("anne", email="instructeur.paca@demo.fr", mfa=True)
    # An account held to TOTP links ProConnect from its own page, in a session opened with password and code.
    log_in(page, live_demo.url, "instructeur.paca@demo.fr", totp=True)
    page.goto(f"{live_demo.url}/compte/")
    page.get_by_role("button", name="Relier mon identité ProConnect").click()
    page.get_by_label("Identifiant").fill("anne")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_test_id("connexion-federee")).to_contain_text("Connexion par ProConnect reliée le")
    screenshot(page, "proconnect-liaison-depuis-mon-compte")
    assert FederatedLoginEvent.objects.filter(outcome="linked", user__email="instructeur.paca@demo.fr").exists()
    page.get_by_role("link", name="Se déconnecter").click()
    page.get_by_role("button", name="Se déconnecter").click()

    federated_log_in(page, live_demo.url, "ProConnect", None)  # the provider remembers anne

    # ProConnect asserted a second factor: the PACA home opens without the portal's TOTP step.
    expect(page.get_by_role("heading", name="Agence régionale de santé Provence-Alpes-Côte d'Azur")).to_be_visible()
    expect(page.get_by_test_id("roles-bar")).to_contain_text("Instructeur ARS")
    screenshot(page, "proconnect-accueil-instructeur")

    log_out_everywhere(page)

    expect(page.get_by_role("banner").get_by_role("link", name="Se connecter")).to_be_visible()
    # The provider's session ended too: ProConnect asks who is logging in again.
    federated_log_in(page, live_demo.url, "ProConnect", None)
    expect(page.get_by_label("Identifiant")).to_be_visible()
    screenshot(page, "proconnect-apres-deconnexion")
    expect_screenshots(
        "proconnect-liaison-depuis-mon-compte",
        "proconnect-accueil-instructeur",
        "proconnect-apres-deconnexion",
        since=started,
    )


def test_an_unknown_agent_is_told_to_ask_an_ars_admin(page: Page, live_demo, provider):
    provider.add_agent("inconnu", email="nouvel.agent@ars.sante.fr", mfa=True)
    users = User.objects.count()

    federated_log_in(page, live_demo.url, "ProConnect", "inconnu")

    expect(page.get_by_role("heading", name="Aucun compte du portail pour cette adresse")).to_be_visible()
    expect(page.get_by_text("un administrateur de votre ARS doit d'abord vous inviter")).to_be_visible()
    screenshot(page, "proconnect-compte-inconnu")
    assert User.objects.count() == users


def test_a_physician_logs_in_with_psc_and_finds_his_invitation(page: Page, live_demo, provider):
    started = time.time()
    cpts = Structure.objects.get(finess="130012354")
    InvitationFactory(email="medecin.msp@demo.fr", structure=cpts, role=Role.PROFESSIONAL)
    provider.add_professional("paul", rpps="10000000017")

    federated_log_in(page, live_demo.url, "Pro Santé Connect", "paul")

    expect(page.get_by_role("heading", name="Mon compte")).to_be_visible()
    invitations = page.get_by_role("heading", name="Invitations en attente").locator("..")
    expect(invitations.get_by_role("link", name=f"Professionnel de santé — {cpts.name}")).to_be_visible()
    screenshot(page, "psc-premiere-connexion")
    expect_screenshots("psc-premiere-connexion", since=started)
