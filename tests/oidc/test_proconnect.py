"""ProConnect for agents, through a real OpenID Connect provider over HTTP (tests/oidc/provider.js): the Django test
client on the portal's side, an HTTP session as the person's browser on the provider's side."""

from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse

from portal.models import FederatedLoginEvent, RegionMembership, StructureMembership, User
from portal.roles import Role
from tests.clients import totp_code
from tests.oidc.fixture import ProviderSession, portal_path
from tests.portal.factories import RegionFactory, UserFactory, agent_of

LOGIN = "/comptes/oidc/proconnect/login/"


def start(client, provider_id="proconnect"):
    """Press the ProConnect button (allauth's confirmation form posts): the portal redirects to the provider."""
    response = client.post(f"/comptes/oidc/{provider_id}/login/")
    assert response.status_code == 302, response.content.decode()
    return response["Location"]


def log_in(client, oidc_provider, login, provider_id="proconnect", browser=None):
    browser = browser or ProviderSession(oidc_provider)
    callback = browser.authorize(start(client, provider_id), login)
    return client.get(portal_path(callback)), browser


def test_the_portal_sends_pkce_state_and_nonce_and_asks_the_claims_proconnect_defines(client, oidc_provider):
    url = start(client)
    assert url.startswith(oidc_provider.issuer)
    query = parse_qs(urlsplit(url).query)
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) >= 43
    assert query["state"][0] and query["nonce"][0]
    assert set(query["scope"][0].split()) == {"openid", "email", "given_name", "usual_name", "uid", "siret", "idp_id"}
    assert query["redirect_uri"] == ["http://testserver/comptes/oidc/proconnect/login/callback/"]
    assert '"amr"' in query["claims"][0]


def test_an_agent_with_mfa_at_proconnect_is_linked_by_email_and_needs_no_totp(client, oidc_provider):
    agent = agent_of(RegionFactory(code="PACA"), Role.INSTRUCTOR)
    agent.first_name = agent.last_name = ""
    agent.save()
    oidc_provider.add_agent("camille", email=agent.email.upper(), mfa=True)
    memberships = (RegionMembership.objects.count(), StructureMembership.objects.count())

    response, _ = log_in(client, oidc_provider, "camille")

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    # The ProConnect MFA counts as this session's second factor: the home opens without the TOTP step.
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert home.wsgi_request.user == agent
    account = SocialAccount.objects.get(user=agent, provider="proconnect")
    assert account.uid == "sub-camille"
    claims = account.extra_data["userinfo"]
    assert (claims["siret"], claims["uid"], claims["idp_id"]) == ("13002526500013", "uid-camille", "fia1v2")
    assert account.extra_data["id_token"]["amr"] == ["pwd", "totp", "mfa"]
    agent.refresh_from_db()
    assert (agent.first_name, agent.last_name) == ("Camille", "Martin")  # were empty: filled from the claims
    assert (RegionMembership.objects.count(), StructureMembership.objects.count()) == memberships
    event = FederatedLoginEvent.objects.get()
    assert (event.outcome, event.user, event.subject) == ("linked", agent, "sub-camille")


def test_an_agent_without_mfa_at_proconnect_still_types_the_portal_totp(client, oidc_provider):
    agent = agent_of(RegionFactory(code="PACA"), Role.INSTRUCTOR)  # has a TOTP authenticator
    oidc_provider.add_agent("camille", email=agent.email, mfa=False)

    response, _ = log_in(client, oidc_provider, "camille")

    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get(reverse("home")).wsgi_request.user.is_authenticated is False
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_an_agent_without_mfa_nor_totp_yet_is_sent_to_enroll(client, oidc_provider):
    agent = UserFactory()
    RegionMembership.objects.create(user=agent, region=RegionFactory(code="PACA"), role=Role.INSTRUCTOR)
    oidc_provider.add_agent("camille", email=agent.email, mfa=False)

    log_in(client, oidc_provider, "camille")

    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:totp_enrollment")


def test_a_linked_agent_logs_in_again_by_sub(client, oidc_provider):
    agent = agent_of(RegionFactory(code="PACA"), Role.INSTRUCTOR)
    oidc_provider.add_agent("camille", email=agent.email, mfa=True)
    log_in(client, oidc_provider, "camille")
    client.logout()

    response, _ = log_in(client, oidc_provider, "camille")

    assert response.status_code == 302
    assert client.get(reverse("home")).wsgi_request.user == agent
    assert SocialAccount.objects.filter(user=agent).count() == 1
    assert FederatedLoginEvent.objects.filter(outcome="linked").count() == 1  # linked once, not at every login


def test_an_unknown_email_gets_a_page_saying_an_ars_admin_must_invite_and_nothing_is_created(client, oidc_provider):
    oidc_provider.add_agent("inconnu", email="agent.inconnu@ars.sante.fr", mfa=True)
    users = User.objects.count()

    response, _ = log_in(client, oidc_provider, "inconnu")

    assert response.status_code == 403
    content = response.content.decode()
    assert "un administrateur de votre ARS doit d&#x27;abord vous inviter" in content
    assert "agent.inconnu@ars.sante.fr" in content
    assert User.objects.count() == users
    assert not SocialAccount.objects.exists()
    assert not RegionMembership.objects.exists() and not StructureMembership.objects.exists()
    event = FederatedLoginEvent.objects.get()
    assert (event.outcome, event.reason, event.email, event.user) == (
        "refused",
        "unknown_email",
        "agent.inconnu@ars.sante.fr",
        None,
    )
    assert client.get(reverse("home")).wsgi_request.user.is_authenticated is False


def test_an_email_the_provider_says_is_not_verified_is_refused(client, oidc_provider):
    agent = agent_of(RegionFactory(code="PACA"), Role.INSTRUCTOR)
    oidc_provider.add_agent("camille", email=agent.email, mfa=True, email_verified=False)

    response, _ = log_in(client, oidc_provider, "camille")

    assert response.status_code == 403
    assert "Adresse e-mail non vérifiée" in response.content.decode()
    assert not SocialAccount.objects.exists()
    assert FederatedLoginEvent.objects.get().reason == "email_not_verified"


@pytest.mark.parametrize(
    "amr, acr, counts",
    [
        (["pwd"], "https://proconnect.gouv.fr/assurance/self-asserted-2fa", True),
        (["pwd"], "https://proconnect.gouv.fr/assurance/self-asserted", False),
        (["pwd", "mfa"], "eidas1", True),
    ],
)
def test_proconnect_mfa_acr_values_count_as_second_factor(client, oidc_provider, amr, acr, counts):
    agent = agent_of(RegionFactory(code="PACA"), Role.INSTRUCTOR)
    oidc_provider.add_agent("camille", email=agent.email)
    oidc_provider.state["accounts"]["camille"].update(amr=amr, acr=acr)
    oidc_provider._write()

    response, _ = log_in(client, oidc_provider, "camille")

    assert response["Location"] == (reverse("home") if counts else reverse("mfa_authenticate"))


def test_logout_ends_the_provider_session_too(client, oidc_provider):
    agent = agent_of(RegionFactory(code="PACA"), Role.INSTRUCTOR)
    oidc_provider.add_agent("camille", email=agent.email, mfa=True)
    _, browser = log_in(client, oidc_provider, "camille")
    assert browser.has_session()

    response = client.post(reverse("account_logout"))

    assert response.status_code == 302
    end_session = response["Location"]
    assert end_session.startswith(f"{oidc_provider.issuer}/session/end")
    query = parse_qs(urlsplit(end_session).query)
    assert query["post_logout_redirect_uri"] == ["http://testserver/"]
    assert query["id_token_hint"][0].count(".") == 2
    assert client.get(reverse("home")).wsgi_request.user.is_authenticated is False
    back = browser.end_session(end_session)
    assert back.startswith("http://testserver/")
    assert not browser.has_session()
    # The provider no longer knows the person: a new login asks who it is again.
    url = start(client)
    page = browser.http.get(url, allow_redirects=True, timeout=10)
    assert "Identifiant" in page.text


def test_the_region_admin_journal_shows_the_federated_logins_of_the_region(client, oidc_provider):
    paca = RegionFactory(code="PACA")
    agent = agent_of(paca, Role.INSTRUCTOR)
    oidc_provider.add_agent("camille", email=agent.email, mfa=True)
    log_in(client, oidc_provider, "camille")
    outsider = agent_of(RegionFactory(code="CVL"), Role.INSTRUCTOR)
    FederatedLoginEvent.objects.create(provider="proconnect", outcome="refused", reason="x", user=outsider)
    client.logout()
    client.force_login(agent_of(paca, Role.REGION_ADMIN))

    response = client.get(reverse("audit_log"))

    entries = [entry for label, entry in response.context["page"].object_list if label == "Connexion fédérée"]
    assert [(entry.outcome, entry.user_id) for entry in entries] == [("linked", agent.pk)]


def test_my_account_shows_the_linked_provider_and_its_siret(client, oidc_provider):
    agent = agent_of(RegionFactory(code="PACA"), Role.INSTRUCTOR)
    oidc_provider.add_agent("camille", email=agent.email, mfa=True)
    log_in(client, oidc_provider, "camille")

    content = client.get(reverse("portal:account")).content.decode()

    assert "Connexion par ProConnect reliée le" in content
    assert "SIRET 13002526500013" in content
