"""A federated login that fails says so in French, with what to do; nothing is created but one audit line."""

import socket
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse

from portal.models import FederatedLoginEvent, User
from portal.roles import Role
from tests.oidc.fixture import ProviderSession, portal_path, wait_until_expired
from tests.oidc.test_proconnect import start
from tests.portal.factories import StructureMembershipFactory


@pytest.fixture
def agent(oidc_provider):
    """A coordinator: not held to TOTP, so a cold ProConnect login links him (an ARS agent links from « Mon
    compte » only, tests/oidc/test_proconnect.py); the failures below come before any link anyway."""
    agent = StructureMembershipFactory(role=Role.COORDINATOR).user
    oidc_provider.add_agent("camille", email=agent.email, mfa=True)
    return agent


def assert_failed_cleanly(client, response, *, reason: str, status: int, users: int, outcome: str = "failed"):
    assert response.status_code == status
    content = response.content.decode()
    assert "Que faire ?" in content
    assert "Revenir à la page de connexion" in content
    assert User.objects.count() == users
    assert not SocialAccount.objects.exists()
    assert client.get(reverse("reporting:home")).wsgi_request.user.is_authenticated is False
    event = FederatedLoginEvent.objects.get()
    assert (event.outcome, event.reason) == (outcome, reason)
    return event, content


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_provider_down_before_the_redirect(client, oidc_provider, settings, agent):
    settings.SOCIALACCOUNT_PROVIDERS = oidc_provider.socialaccount_providers(
        server_url=f"http://127.0.0.1:{closed_port()}"
    )
    users = User.objects.count()

    response = client.post("/comptes/oidc/proconnect/login/")

    event, content = assert_failed_cleanly(client, response, reason="provider_unavailable", status=502, users=users)
    assert "ProConnect ne répond pas" in content
    assert "Réessayez dans quelques minutes" in content
    assert event.provider == "proconnect"


def test_provider_down_when_the_code_is_exchanged(client, oidc_provider, settings, agent):
    callback = ProviderSession(oidc_provider).authorize(start(client), "camille")
    # The provider's back channel (discovery, token endpoint) is gone by the time the browser comes back.
    settings.SOCIALACCOUNT_PROVIDERS = oidc_provider.socialaccount_providers(
        server_url=f"http://127.0.0.1:{closed_port()}"
    )
    users = User.objects.count()

    response = client.get(portal_path(callback))

    assert_failed_cleanly(client, response, reason="provider_unavailable", status=502, users=users)


def test_a_wrong_state_is_refused(client, oidc_provider, agent):
    callback = ProviderSession(oidc_provider).authorize(start(client), "camille")
    parts = urlsplit(callback)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    query["state"] = "etat-forge"
    users = User.objects.count()

    response = client.get(f"{parts.path}?{urlencode(query)}")

    _, content = assert_failed_cleanly(client, response, reason="invalid_state", status=400, users=users)
    assert "Recommencez depuis la page de connexion" in content


def test_a_callback_opened_in_another_browser_is_refused(client, oidc_provider, agent):
    from tests.clients import PortalClient

    callback = ProviderSession(oidc_provider).authorize(start(client), "camille")
    other_browser = PortalClient()
    users = User.objects.count()

    response = other_browser.get(portal_path(callback))

    assert_failed_cleanly(other_browser, response, reason="invalid_state", status=400, users=users)


def test_an_expired_code_is_refused(client, oidc_provider, agent):
    oidc_provider.state["accounts"]["camille"]["code_ttl"] = 1
    oidc_provider._write()
    callback = ProviderSession(oidc_provider).authorize(start(client), "camille")
    wait_until_expired(2)
    users = User.objects.count()

    response = client.get(portal_path(callback))

    event, content = assert_failed_cleanly(client, response, reason="token_exchange_failed", status=400, users=users)
    assert "invalid_grant" in event.detail
    assert "le code d&#x27;autorisation a expiré" in content


def test_a_code_used_twice_is_refused(client, oidc_provider, agent):
    callback = ProviderSession(oidc_provider).authorize(start(client), "camille")
    assert client.get(portal_path(callback)).status_code == 302
    client.logout()
    FederatedLoginEvent.objects.all().delete()
    SocialAccount.objects.all().delete()

    # Replayed, in a new login attempt of the same browser (its state is gone with the first use: refused first).
    response = client.get(portal_path(callback))

    assert response.status_code == 400
    assert FederatedLoginEvent.objects.get().reason == "invalid_state"


def test_a_token_signed_with_an_unknown_key_is_refused(client, oidc_provider, settings, agent):
    # The portal is told to trust other keys than those the provider signs with (same key id, another key).
    settings.SOCIALACCOUNT_PROVIDERS = oidc_provider.socialaccount_providers(
        openid_configuration_overrides={"jwks_uri": f"{oidc_provider.issuer}/__test__/other-jwks"}
    )
    callback = ProviderSession(oidc_provider).authorize(start(client), "camille")
    users = User.objects.count()

    response = client.get(portal_path(callback))

    event, content = assert_failed_cleanly(client, response, reason="invalid_token", status=400, users=users)
    assert "invalid_signature_or_claims" in event.detail
    assert "Signature verification failed" in event.detail
    assert "Par sécurité, la connexion est refusée" in content


@pytest.mark.parametrize(
    "alg, raised",
    [
        # The RSA public key used as an HMAC secret (algorithm confusion): PyJWT refuses the key object (TypeError).
        ("HS256", "TypeError"),
        # An elliptic-curve algorithm against an RSA key: refused by the key preparation too.
        ("ES256", "TypeError"),
        # No signature at all.
        ("none", "invalid_signature_or_claims"),
    ],
)
def test_a_token_whose_algorithm_does_not_fit_the_key_is_a_clear_refusal(
    client, oidc_provider, settings, agent, alg, raised
):
    # The real token endpoint, whose ID token comes back under a header naming ``alg`` with the real key's ``kid``.
    settings.SOCIALACCOUNT_PROVIDERS = oidc_provider.socialaccount_providers(
        openid_configuration_overrides={"token_endpoint": f"{oidc_provider.issuer}/__test__/token?alg={alg}"}
    )
    callback = ProviderSession(oidc_provider).authorize(start(client), "camille")
    users = User.objects.count()

    response = client.get(portal_path(callback))

    event, content = assert_failed_cleanly(client, response, reason="invalid_token", status=400, users=users)
    assert raised in event.detail
    assert "Réponse de ProConnect non vérifiable" in content


def test_an_id_token_for_another_client_is_refused(client, oidc_provider, agent):
    from portal.federation.client import FederationError, PortalOIDCAdapter

    callback = ProviderSession(oidc_provider).authorize(start(client), "camille")
    response = client.get(portal_path(callback))
    id_token = client.session["portal_federation"]["id_token_hint"]

    class AnotherClient:
        client_id = "un-autre-client"

    with pytest.raises(FederationError, match="Audience doesn't match"):
        PortalOIDCAdapter(response.wsgi_request, "proconnect")._verified(AnotherClient(), id_token)


def test_an_id_token_whose_nonce_is_not_the_one_sent_is_refused(client, oidc_provider, agent):
    from allauth.socialaccount.internal import statekit

    url = start(client)
    callback = ProviderSession(oidc_provider).authorize(url, "camille")
    # The browser's pending login expects another nonce than the one the provider put in the ID token.
    session = client.session
    states = session[statekit.STATES_SESSION_KEY]
    state_id = parse_qs(urlsplit(url).query)["state"][0]
    states[state_id][0]["nonce"] = "un-autre-nonce"
    session[statekit.STATES_SESSION_KEY] = states
    session.save()
    users = User.objects.count()

    response = client.get(portal_path(callback))

    event, _ = assert_failed_cleanly(client, response, reason="invalid_token", status=400, users=users)
    assert "nonce_mismatch" in event.detail


def test_the_provider_answering_an_error_is_a_clear_page(client, oidc_provider, agent):
    url = start(client)
    state = parse_qs(urlsplit(url).query)["state"][0]
    users = User.objects.count()

    response = client.get(
        "/comptes/oidc/proconnect/login/callback/?" + urlencode({"error": "access_denied", "state": state})
    )

    _, content = assert_failed_cleanly(
        client, response, reason="cancelled", status=400, users=users, outcome="refused"
    )
    assert "Connexion annulée" in content


def test_anonymous_failures_are_journaled_up_to_a_limit_per_address(client, oidc_provider, settings):
    """The callback is open to anyone: a forged ``state`` costs one request, not one audit row each."""
    settings.FEDERATION_ANONYMOUS_AUDIT_PER_IP = 3
    forged = "/comptes/oidc/proconnect/login/callback/?" + urlencode({"code": "x", "state": "etat-forge"})

    for _ in range(8):
        response = client.get(forged)
        assert response.status_code == 400  # every call still gets its page
        assert "Connexion expirée ou interrompue" in response.content.decode()

    rows = list(FederatedLoginEvent.objects.order_by("pk"))
    assert [row.reason for row in rows] == ["invalid_state"] * 4
    assert [row.detail.startswith("Limite atteinte") for row in rows] == [False, False, False, True]
    assert {row.ip for row in rows} == {"127.0.0.1"}

    # Another address keeps its own count.
    assert client.get(forged, REMOTE_ADDR="203.0.113.9").status_code == 400
    assert FederatedLoginEvent.objects.filter(ip="203.0.113.9").count() == 1

    # A failure that names someone (the provider's ``sub``) is always kept, from the limited address too.
    oidc_provider.add_agent("inconnu", email="agent.inconnu@ars.sante.fr", mfa=True)
    callback = ProviderSession(oidc_provider).authorize(start(client), "inconnu")
    assert client.get(portal_path(callback)).status_code == 403
    assert FederatedLoginEvent.objects.filter(reason="unknown_email", subject="sub-inconnu").count() == 1
    assert FederatedLoginEvent.objects.filter(ip="127.0.0.1", reason="invalid_state").count() == 4
