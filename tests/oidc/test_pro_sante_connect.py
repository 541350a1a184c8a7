"""Pro Santé Connect for health professionals: the login opens the account of the professional holding the RPPS
that PSC sends, never another, and never grants a role."""

from allauth.socialaccount.models import SocialAccount
from django.urls import reverse

from portal.models import FederatedLoginEvent, RegionMembership, StructureMembership, User
from portal.roles import Role
from tests.oidc.fixture import ProviderSession, portal_path
from tests.oidc.test_proconnect import log_in
from tests.portal.factories import (
    InvitationFactory,
    ProfessionalFactory,
    RegionFactory,
    StructureFactory,
    UserFactory,
    luhn_complete,
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

    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).wsgi_request.user == professional.user


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
    assert client.get(reverse("home")).wsgi_request.user.is_authenticated is False
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
    assert client.get(reverse("home")).wsgi_request.user.is_authenticated is False
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
