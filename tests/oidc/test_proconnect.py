"""ProConnect for agents, through a real OpenID Connect provider over HTTP (tests/oidc/provider.js): the Django test
client on the portal's side, an HTTP session as the person's browser on the provider's side."""

from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.urls import reverse

from portal.models import FederatedLoginEvent, RegionMembership, StructureMembership, User
from portal.roles import Role
from tests.clients import totp_code
from tests.oidc.fixture import ProviderSession, portal_path
from tests.portal.factories import RegionFactory, StructureMembershipFactory, UserFactory, agent_of

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


def link_from_account(client, oidc_provider, user, login, *, second_factor=True, provider_id="proconnect"):
    """« Mon compte » › « Relier mon identité ProConnect » (or Pro Santé Connect), from a session opened with
    password and TOTP (or with the password alone: ``second_factor=False``); the session is closed afterwards."""
    if second_factor:
        client.force_login(user)  # PortalClient: the session used the TOTP too
    else:
        client.login(email=user.email, password=settings.DEMO_PASSWORD)
    response = client.post(f"/comptes/oidc/{provider_id}/login/?process=connect&next={reverse('portal:account')}")
    assert response.status_code == 302, response.content.decode()
    callback = ProviderSession(oidc_provider).authorize(response["Location"], login)
    response = client.get(portal_path(callback))
    client.logout()
    return response


@pytest.fixture
def linked_agent(client, oidc_provider):
    """A PACA instructor (TOTP) whose ProConnect identity « camille » (MFA at the provider) is linked."""
    agent = agent_of(RegionFactory(code="PACA"), Role.INSTRUCTOR)
    oidc_provider.add_agent("camille", email=agent.email, mfa=True)
    assert link_from_account(client, oidc_provider, agent, "camille")["Location"] == reverse("portal:account")
    FederatedLoginEvent.objects.all().delete()
    return agent


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


def test_an_agent_links_proconnect_from_his_account_then_logs_in_with_mfa_without_totp(client, oidc_provider):
    agent = agent_of(RegionFactory(code="PACA"), Role.INSTRUCTOR)
    agent.first_name = agent.last_name = ""
    agent.save()
    oidc_provider.add_agent("camille", email=agent.email.upper(), mfa=True)
    memberships = (RegionMembership.objects.count(), StructureMembership.objects.count())
    client.force_login(agent)
    assert 'data-testid="relier-proconnect"' in client.get(reverse("portal:account")).content.decode()
    client.logout()

    response = link_from_account(client, oidc_provider, agent, "camille")

    assert response.status_code == 302
    assert response["Location"] == reverse("portal:account")
    account = SocialAccount.objects.get(user=agent, provider="proconnect")
    assert account.uid == "sub-camille"
    claims = account.extra_data["userinfo"]
    assert (claims["siret"], claims["uid"], claims["idp_id"]) == ("13002526500013", "uid-camille", "fia1v2")
    agent.refresh_from_db()
    assert (agent.first_name, agent.last_name) == ("Camille", "Martin")  # were empty: filled from the claims
    assert (RegionMembership.objects.count(), StructureMembership.objects.count()) == memberships
    event = FederatedLoginEvent.objects.get()
    assert (event.outcome, event.user, event.subject) == ("linked", agent, "sub-camille")

    response, _ = log_in(client, oidc_provider, "camille")

    assert response.status_code == 302
    assert response["Location"] == reverse("reporting:home")
    # The ProConnect MFA counts as this session's second factor: the home opens without the TOTP step.
    home = client.get(reverse("reporting:home"))
    assert home.status_code == 200
    assert home.wsgi_request.user == agent
    assert SocialAccount.objects.get(user=agent).extra_data["id_token"]["amr"] == ["pwd", "totp", "mfa"]


@pytest.mark.parametrize("role", [Role.INSTRUCTOR, Role.REGION_ADMIN, "superadmin"])
def test_a_cold_proconnect_login_never_makes_the_first_link_of_an_account_held_to_totp(client, oidc_provider, role):
    if role == "superadmin":
        agent = UserFactory(is_staff=True, is_superuser=True, with_totp=True)
    else:
        agent = agent_of(RegionFactory(code="PACA"), role)
    oidc_provider.add_agent("camille", email=agent.email, mfa=True)

    response, _ = log_in(client, oidc_provider, "camille")

    assert response.status_code == 403
    content = response.content.decode()
    assert "Reliez d&#x27;abord ProConnect depuis votre compte" in content
    assert "Relier mon identité ProConnect" in content
    assert not SocialAccount.objects.exists()
    assert client.get(reverse("reporting:home")).wsgi_request.user.is_authenticated is False
    event = FederatedLoginEvent.objects.get()
    assert (event.outcome, event.reason, event.user) == ("refused", "link_needs_mfa_session", agent)


def test_an_account_held_to_totp_links_proconnect_only_from_a_session_that_used_the_totp(client, oidc_provider):
    agent = agent_of(RegionFactory(code="PACA"), Role.INSTRUCTOR)
    oidc_provider.add_agent("camille", email=agent.email, mfa=True)

    # A session opened by the password alone is sent to type its code before it reaches the link.
    client.login(email=agent.email, password=settings.DEMO_PASSWORD)
    response = client.post(f"{LOGIN}?process=connect")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))
    assert not SocialAccount.objects.exists()


def test_without_the_totp_in_session_the_link_itself_refuses(rf, oidc_provider):
    """Behind the MFA middleware, the linking rule refuses on its own (defence in depth)."""
    from allauth.core.exceptions import ImmediateHttpResponse
    from allauth.socialaccount.models import SocialLogin
    from django.contrib.sessions.backends.db import SessionStore

    from portal.federation.linking import federated_login_link

    agent = agent_of(RegionFactory(code="PACA"), Role.INSTRUCTOR)
    request = rf.get("/")
    request.session = SessionStore()
    request.user = agent
    sociallogin = SocialLogin(
        user=User(),
        account=SocialAccount(
            provider="proconnect", uid="sub-x", extra_data={"id_token": {"sub": "sub-x", "email": agent.email}}
        ),
    )
    sociallogin.state = {"process": "connect"}

    with pytest.raises(ImmediateHttpResponse) as refused:
        federated_login_link(request=request, sociallogin=sociallogin)

    assert refused.value.response.status_code == 403
    assert FederatedLoginEvent.objects.get().reason == "link_needs_mfa_session"
    assert not SocialAccount.objects.exists()


def test_a_coordinator_not_held_to_totp_is_still_linked_by_a_cold_login(client, oidc_provider):
    coordinator = StructureMembershipFactory(role=Role.COORDINATOR).user
    oidc_provider.add_agent("camille", email=coordinator.email, mfa=False)

    response, _ = log_in(client, oidc_provider, "camille")

    assert response.status_code == 302
    assert client.get(reverse("reporting:home")).wsgi_request.user == coordinator
    assert SocialAccount.objects.get(provider="proconnect").user == coordinator


def test_an_account_whose_address_was_never_confirmed_is_not_linked(client, oidc_provider):
    # Sign-up is open: someone registered the address in advance, with a password he knows, and never confirmed it.
    squatted = UserFactory(email="camille.martin@ars.sante.fr")
    EmailAddress.objects.filter(user=squatted).update(verified=False)
    oidc_provider.add_agent("camille", email="camille.martin@ars.sante.fr", mfa=True)

    response, _ = log_in(client, oidc_provider, "camille")

    assert response.status_code == 403
    content = response.content.decode()
    assert "Adresse du compte pas encore confirmée" in content
    assert "Mot de passe oublié" in content
    assert not SocialAccount.objects.exists()
    assert client.get(reverse("reporting:home")).wsgi_request.user.is_authenticated is False
    event = FederatedLoginEvent.objects.get()
    assert (event.outcome, event.reason, event.user) == ("refused", "email_not_confirmed", squatted)


def test_an_account_without_any_address_record_is_not_linked(client, oidc_provider):
    squatted = UserFactory(email="camille.martin@ars.sante.fr")
    EmailAddress.objects.filter(user=squatted).delete()
    oidc_provider.add_agent("camille", email="camille.martin@ars.sante.fr", mfa=True)

    response, _ = log_in(client, oidc_provider, "camille")

    assert response.status_code == 403
    assert FederatedLoginEvent.objects.get().reason == "email_not_confirmed"
    assert not SocialAccount.objects.exists()


def test_a_new_proconnect_identity_never_links_to_an_account_already_linked(client, oidc_provider, linked_agent):
    # Another ProConnect identity (another ``sub``: another identity provider) sends the same address.
    oidc_provider.add_agent("usurpateur", email=linked_agent.email, mfa=True)

    response, _ = log_in(client, oidc_provider, "usurpateur")

    assert response.status_code == 403
    assert "déjà relié à une autre identité ProConnect" in response.content.decode()
    assert list(SocialAccount.objects.values_list("uid", flat=True)) == ["sub-camille"]
    assert client.get(reverse("reporting:home")).wsgi_request.user.is_authenticated is False
    assert FederatedLoginEvent.objects.get().reason == "already_linked"
    # Not from his own account either, with password and TOTP.
    response = link_from_account(client, oidc_provider, linked_agent, "usurpateur")
    assert response.status_code == 403
    assert list(SocialAccount.objects.values_list("uid", flat=True)) == ["sub-camille"]


def test_a_coordinator_already_linked_is_not_linked_to_a_second_identity_by_a_cold_login(client, oidc_provider):
    coordinator = StructureMembershipFactory(role=Role.COORDINATOR).user
    oidc_provider.add_agent("camille", email=coordinator.email)
    oidc_provider.add_agent("autre", email=coordinator.email)
    log_in(client, oidc_provider, "camille")
    client.logout()

    response, _ = log_in(client, oidc_provider, "autre")

    assert response.status_code == 403
    assert list(SocialAccount.objects.values_list("uid", flat=True)) == ["sub-camille"]


def test_linking_from_an_account_needs_the_identity_of_the_account_address(client, oidc_provider):
    agent = agent_of(RegionFactory(code="PACA"), Role.INSTRUCTOR)
    oidc_provider.add_agent("collegue", email="collegue@ars.sante.fr", mfa=True)

    response = link_from_account(client, oidc_provider, agent, "collegue")

    assert response.status_code == 403
    assert "Identité ProConnect d&#x27;une autre adresse" in response.content.decode()
    assert not SocialAccount.objects.exists()
    assert FederatedLoginEvent.objects.get().reason == "email_mismatch"


def test_an_agent_without_mfa_at_proconnect_still_types_the_portal_totp(client, oidc_provider, linked_agent):
    oidc_provider.add_agent("camille", email=linked_agent.email, mfa=False)

    response, _ = log_in(client, oidc_provider, "camille")

    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get(reverse("reporting:home")).wsgi_request.user.is_authenticated is False
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert response.status_code == 302
    assert client.get(reverse("reporting:home")).status_code == 200


def test_an_agent_without_mfa_nor_totp_yet_is_sent_to_enroll(client, oidc_provider, linked_agent):
    # Linked before his TOTP was removed by hand (e.g. a lost phone the support reset): he enrolls again.
    Authenticator.objects.filter(user=linked_agent).delete()
    oidc_provider.add_agent("camille", email=linked_agent.email, mfa=False)

    log_in(client, oidc_provider, "camille")

    response = client.get(reverse("reporting:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:totp_enrollment")


def test_a_linked_agent_logs_in_again_by_sub(client, oidc_provider, linked_agent):
    response, _ = log_in(client, oidc_provider, "camille")

    assert response.status_code == 302
    assert client.get(reverse("reporting:home")).wsgi_request.user == linked_agent
    assert SocialAccount.objects.filter(user=linked_agent).count() == 1
    assert not FederatedLoginEvent.objects.filter(outcome="linked").exists()  # linked once, not at every login


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
    assert client.get(reverse("reporting:home")).wsgi_request.user.is_authenticated is False


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
        # A second factor the person declares himself, unchecked by the identity provider: not the portal's TOTP.
        (["pwd"], "https://proconnect.gouv.fr/assurance/self-asserted-2fa", False),
        (["pwd"], "https://proconnect.gouv.fr/assurance/self-asserted", False),
        (["pwd"], "https://proconnect.gouv.fr/assurance/consistency-checked-2fa", True),
        (["pwd"], "eidas2", True),
        (["pwd", "mfa"], "eidas1", True),
    ],
)
def test_proconnect_mfa_acr_values_count_as_second_factor(client, oidc_provider, linked_agent, amr, acr, counts):
    oidc_provider.state["accounts"]["camille"].update(amr=amr, acr=acr)
    oidc_provider._write()

    response, _ = log_in(client, oidc_provider, "camille")

    assert response["Location"] == (reverse("reporting:home") if counts else reverse("mfa_authenticate"))


def test_logout_ends_the_provider_session_too(client, oidc_provider, linked_agent):
    _, browser = log_in(client, oidc_provider, "camille")
    assert browser.has_session()

    response = client.post(reverse("account_logout"))

    assert response.status_code == 302
    end_session = response["Location"]
    assert end_session.startswith(f"{oidc_provider.issuer}/session/end")
    query = parse_qs(urlsplit(end_session).query)
    assert query["post_logout_redirect_uri"] == ["http://testserver/"]
    assert query["id_token_hint"][0].count(".") == 2
    assert client.get(reverse("reporting:home")).wsgi_request.user.is_authenticated is False
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
    link_from_account(client, oidc_provider, agent, "camille")
    outsider = agent_of(RegionFactory(code="CVL"), Role.INSTRUCTOR)
    FederatedLoginEvent.objects.create(provider="proconnect", outcome="refused", reason="x", user=outsider)
    client.logout()
    client.force_login(agent_of(paca, Role.REGION_ADMIN))

    response = client.get(reverse("reporting:audit_log"))

    entries = [entry for label, entry in response.context["page"].object_list if label == "Connexion fédérée"]
    assert [(entry.outcome, entry.user_id) for entry in entries] == [("linked", agent.pk)]


def test_my_account_shows_the_linked_provider_and_its_siret(client, oidc_provider, linked_agent):
    log_in(client, oidc_provider, "camille")

    content = client.get(reverse("portal:account")).content.decode()

    assert "Connexion par ProConnect reliée le" in content
    assert "SIRET 13002526500013" in content
    assert 'data-testid="relier-proconnect"' not in content  # linked: nothing more to link
