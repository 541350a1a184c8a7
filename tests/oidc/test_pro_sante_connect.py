"""Pro Santé Connect for health professionals: the login opens the account of the professional holding the RPPS
that PSC sends, never another, and never grants a role."""

import pytest
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.urls import reverse

from portal.models import FederatedLoginEvent, RegionMembership, StructureMembership, User
from portal.roles import Role
from tests.clients import totp_code
from tests.oidc.fixture import ProviderSession, portal_path
from tests.oidc.test_proconnect import link_from_account, log_in
from tests.portal.factories import (
    InvitationFactory,
    ProfessionalFactory,
    RegionFactory,
    StructureFactory,
    UserFactory,
    agent_of,
    luhn_complete,
    national_pilot,
)

PSC = "prosanteconnect"


def test_the_portal_asks_psc_for_scope_all_at_eidas1(client, oidc_provider):
    from urllib.parse import parse_qs, urlsplit

    from tests.oidc.test_proconnect import start

    query = parse_qs(urlsplit(start(client, PSC)).query)
    assert set(query["scope"][0].split()) == {"openid", "scope_all"}
    assert query["acr_values"] == ["eidas1"]
    assert query["code_challenge_method"] == ["S256"] and query["nonce"][0]


def test_first_psc_login_links_the_professional_of_that_rpps_and_shows_his_invitations(client, oidc_provider):
    structure = StructureFactory(region=RegionFactory(code="PACA"), name="MSP des Calanques")
    professional = ProfessionalFactory(user__email="jeanne.durand@exemple.fr")
    other = ProfessionalFactory()  # another professional, another RPPS: never reached
    InvitationFactory(email="jeanne.durand@exemple.fr", structure=structure, role=Role.PROFESSIONAL)
    oidc_provider.add_professional("jeanne", rpps=professional.rpps, email=other.user.email)
    memberships = (RegionMembership.objects.count(), StructureMembership.objects.count())

    response, _ = log_in(client, oidc_provider, "jeanne", PSC)

    assert response.status_code == 302
    assert response["Location"] == reverse("portal:account")
    page = client.get(response["Location"])
    assert page.wsgi_request.user == professional.user
    content = page.content.decode()
    assert "Invitations en attente" in content
    assert "MSP des Calanques" in content
    account = SocialAccount.objects.get(provider=PSC)
    assert account.user == professional.user
    assert account.uid == f"f:550dc1c8-d97b-4b1e-ac8c-8eb4471cf9dd:8{professional.rpps}"
    # A PSC login grants nothing: the invitation still waits for his answer.
    assert (RegionMembership.objects.count(), StructureMembership.objects.count()) == memberships
    event = FederatedLoginEvent.objects.get()
    assert (event.outcome, event.rpps, event.user) == ("linked", professional.rpps, professional.user)


def test_the_next_psc_login_goes_home(client, oidc_provider):
    professional = ProfessionalFactory()
    oidc_provider.add_professional("jeanne", rpps=professional.rpps)
    log_in(client, oidc_provider, "jeanne", PSC)
    client.logout()

    response, _ = log_in(client, oidc_provider, "jeanne", PSC)

    assert response["Location"] == reverse("reporting:home")
    assert client.get(reverse("reporting:home")).wsgi_request.user == professional.user


def test_psc_ignores_the_email_and_refuses_an_unknown_rpps(client, oidc_provider):
    user = UserFactory(email="jeanne.durand@exemple.fr")  # same address, no professional identity
    rpps = luhn_complete("1000000001")
    oidc_provider.add_professional("jeanne", rpps=rpps, email=user.email)
    users = User.objects.count()

    response, _ = log_in(client, oidc_provider, "jeanne", PSC)

    assert response.status_code == 403
    content = response.content.decode()
    assert f"RPPS {rpps}" in content
    assert "créez votre compte" in content
    assert User.objects.count() == users
    assert not SocialAccount.objects.exists()
    assert client.get(reverse("reporting:home")).wsgi_request.user.is_authenticated is False
    event = FederatedLoginEvent.objects.get()
    assert (event.outcome, event.reason, event.rpps) == ("refused", "unknown_rpps", rpps)


def test_a_psc_identity_without_rpps_is_refused(client, oidc_provider):
    oidc_provider.add_account(
        "adeli",
        claims={"SubjectNameID": "0123456789", "given_name": "Paul", "family_name": "Adeli", "otherIds": []},
        amr=["pwd"],
        acr="eidas1",
    )

    response, _ = log_in(client, oidc_provider, "adeli", PSC)

    assert response.status_code == 403
    assert FederatedLoginEvent.objects.get().reason == "no_rpps"
    assert not SocialAccount.objects.exists()


def test_a_linked_psc_identity_whose_rpps_moved_to_someone_else_is_refused(client, oidc_provider):
    first = ProfessionalFactory()
    oidc_provider.add_professional("jeanne", rpps=first.rpps)
    log_in(client, oidc_provider, "jeanne", PSC)
    client.logout()
    # The same PSC subject now sends the RPPS of another professional of the portal.
    second = ProfessionalFactory()
    oidc_provider.state["accounts"]["jeanne"]["claims"].update(
        SubjectNameID=f"8{second.rpps}", preferred_username=f"8{second.rpps}", otherIds=[]
    )
    oidc_provider._write()

    response, _ = log_in(client, oidc_provider, "jeanne", PSC)

    assert response.status_code == 403
    assert client.get(reverse("reporting:home")).wsgi_request.user.is_authenticated is False
    assert FederatedLoginEvent.objects.filter(reason="rpps_mismatch", user=first.user).exists()


def test_linking_psc_from_a_session_needs_the_rpps_of_that_account(client, oidc_provider):
    mine = ProfessionalFactory()
    other = ProfessionalFactory()
    oidc_provider.add_professional("autre", rpps=other.rpps)
    client.force_login(mine.user)

    response = client.post(f"/comptes/oidc/{PSC}/login/?process=connect")
    response = client.get(portal_path(ProviderSession(oidc_provider).authorize(response["Location"], "autre")))

    assert response.status_code == 403
    assert "Numéro RPPS d&#x27;un autre compte" in response.content.decode()
    assert not SocialAccount.objects.exists()
    assert FederatedLoginEvent.objects.get().reason == "rpps_other_account"


def professional_held_to_totp(kind: str):
    """A professional whose account is held to TOTP: a doctor who also sits on the selection committee, a national
    pilot, the platform superadmin."""
    if kind == "committee_member":
        user = agent_of(RegionFactory(code="PACA"), Role.COMMITTEE_MEMBER)
    elif kind == "national_pilot":
        user = national_pilot()
    else:
        user = UserFactory(is_staff=True, is_superuser=True, with_totp=True)
    return ProfessionalFactory(user=user, profession="medecin")


@pytest.mark.parametrize("kind", ["committee_member", "national_pilot", "superadmin"])
def test_a_cold_psc_login_never_makes_the_first_link_of_an_account_held_to_totp(client, oidc_provider, kind):
    professional = professional_held_to_totp(kind)
    oidc_provider.add_professional("jeanne", rpps=professional.rpps)

    response, _ = log_in(client, oidc_provider, "jeanne", PSC)

    assert response.status_code == 403
    content = response.content.decode()
    assert "Reliez d&#x27;abord Pro Santé Connect depuis votre compte" in content
    assert "Relier mon identité Pro Santé Connect" in content
    assert not SocialAccount.objects.exists()
    assert client.get(reverse("reporting:home")).wsgi_request.user.is_authenticated is False
    event = FederatedLoginEvent.objects.get()
    assert (event.outcome, event.reason, event.user, event.rpps) == (
        "refused",
        "link_needs_mfa_session",
        professional.user,
        professional.rpps,
    )


def test_an_account_held_to_totp_links_psc_from_a_password_and_totp_session_then_still_types_its_code(
    client, oidc_provider
):
    professional = professional_held_to_totp("committee_member")
    oidc_provider.add_professional("jeanne", rpps=professional.rpps)
    client.force_login(professional.user)
    assert 'data-testid="relier-prosanteconnect"' in client.get(reverse("portal:account")).content.decode()
    client.logout()

    response = link_from_account(client, oidc_provider, professional.user, "jeanne", provider_id=PSC)

    assert response.status_code == 302
    assert response["Location"] == reverse("portal:account")
    assert SocialAccount.objects.get(provider=PSC).user == professional.user
    event = FederatedLoginEvent.objects.get()
    assert (event.outcome, event.user) == ("linked", professional.user)

    # Linked: PSC opens the account by its ``sub``; PSC at eidas1 is no second factor, so the TOTP is still asked.
    response, _ = log_in(client, oidc_provider, "jeanne", PSC)
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get(reverse("reporting:home")).wsgi_request.user.is_authenticated is False
    assert client.post(reverse("mfa_authenticate"), {"code": totp_code()}).status_code == 302
    assert client.get(reverse("reporting:home")).wsgi_request.user == professional.user


def test_a_password_only_session_is_sent_to_type_its_code_before_linking_psc(client, oidc_provider):
    professional = professional_held_to_totp("committee_member")
    oidc_provider.add_professional("jeanne", rpps=professional.rpps)
    client.login(email=professional.user.email, password=settings.DEMO_PASSWORD)

    response = client.post(f"/comptes/oidc/{PSC}/login/?process=connect")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))
    assert not SocialAccount.objects.exists()


def test_without_the_totp_in_session_the_psc_link_itself_refuses(rf, oidc_provider):
    """Behind the MFA middleware, the linking rule refuses on its own (defence in depth)."""
    from allauth.core.exceptions import ImmediateHttpResponse
    from allauth.socialaccount.models import SocialLogin
    from django.contrib.sessions.backends.db import SessionStore

    from portal.federation.linking import federated_login_link

    professional = professional_held_to_totp("committee_member")
    request = rf.get("/")
    request.session = SessionStore()
    request.user = professional.user
    sociallogin = SocialLogin(
        user=User(),
        account=SocialAccount(
            provider=PSC,
            uid="sub-x",
            extra_data={"id_token": {"sub": "sub-x", "SubjectNameID": f"8{professional.rpps}"}},
        ),
    )
    sociallogin.state = {"process": "connect"}

    with pytest.raises(ImmediateHttpResponse) as refused:
        federated_login_link(request=request, sociallogin=sociallogin)

    assert refused.value.response.status_code == 403
    assert FederatedLoginEvent.objects.get().reason == "link_needs_mfa_session"
    assert not SocialAccount.objects.exists()


def test_a_new_psc_identity_never_links_to_an_account_already_linked(client, oidc_provider):
    professional = ProfessionalFactory()
    oidc_provider.add_professional("jeanne", rpps=professional.rpps)
    log_in(client, oidc_provider, "jeanne", PSC)
    client.logout()
    # Another PSC subject sending the same RPPS.
    oidc_provider.add_professional("autre", rpps=professional.rpps)
    oidc_provider.state["accounts"]["autre"]["sub"] = "f:autre:8" + professional.rpps
    oidc_provider._write()

    response, _ = log_in(client, oidc_provider, "autre", PSC)

    assert response.status_code == 403
    assert "déjà relié à une autre identité Pro Santé Connect" in response.content.decode()
    assert SocialAccount.objects.get().uid == f"f:550dc1c8-d97b-4b1e-ac8c-8eb4471cf9dd:8{professional.rpps}"
    assert FederatedLoginEvent.objects.filter(reason="already_linked", user=professional.user).exists()


def test_my_account_offers_to_link_psc_only_to_a_professional_with_an_rpps_not_yet_linked(client, oidc_provider):
    professional = ProfessionalFactory()
    without_rpps = ProfessionalFactory(rpps=None, adeli="751234567")
    client.force_login(without_rpps.user)
    assert 'data-testid="relier-prosanteconnect"' not in client.get(reverse("portal:account")).content.decode()
    client.force_login(professional.user)
    assert 'data-testid="relier-prosanteconnect"' in client.get(reverse("portal:account")).content.decode()
    oidc_provider.add_professional("jeanne", rpps=professional.rpps)
    client.logout()
    log_in(client, oidc_provider, "jeanne", PSC)

    content = client.get(reverse("portal:account")).content.decode()

    assert "Connexion par Pro Santé Connect reliée le" in content
    assert 'data-testid="relier-prosanteconnect"' not in content
