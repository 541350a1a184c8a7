"""TOTP is mandatory for every ARS role: without it, an agent is sent to set it up before any ARS page."""

from allauth.mfa.models import Authenticator
from django.urls import reverse

from portal.roles import Role
from tests.portal.factories import (
    RegionFactory,
    RegionMembershipFactory,
    StructureFactory,
    UserFactory,
    coordinator_of,
)


def test_agent_without_totp_is_sent_to_set_it_up(client):
    agent = RegionMembershipFactory(role=Role.INSTRUCTOR, user=UserFactory(with_totp=False)).user
    client.force_login(agent)
    for url in (reverse("home"), reverse("portal:structure_list"), reverse("portal:account")):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url == reverse("mfa_activate_totp")
    # The set-up page itself (after confirming the password), and logging out, stay reachable.
    response = client.get(reverse("mfa_activate_totp"), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].startswith(reverse("account_reauthenticate"))
    assert client.get(reverse("account_logout")).status_code == 200


def test_agent_with_totp_reaches_their_pages(client):
    agent = RegionMembershipFactory(role=Role.REGION_ADMIN).user
    assert Authenticator.objects.filter(user=agent, type=Authenticator.Type.TOTP).exists()
    client.force_login(agent)
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("portal:structure_list")).status_code == 200


def test_structure_users_are_not_forced(client):
    coordinator = coordinator_of(StructureFactory())
    client.force_login(coordinator)
    assert client.get(reverse("home")).status_code == 200


def test_agent_cannot_remove_their_authenticator(client):
    agent = RegionMembershipFactory(role=Role.INSTRUCTOR).user
    client.force_login(agent)
    response = client.post(reverse("mfa_deactivate_totp"))
    assert Authenticator.objects.filter(user=agent, type=Authenticator.Type.TOTP).exists()
    assert response.status_code in (200, 302, 403)


def test_login_asks_the_totp_code_then_lets_the_agent_in(client, settings):
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

    agent = RegionMembershipFactory(
        role=Role.INSTRUCTOR,
        region=RegionFactory(code="PACA"),
        user=UserFactory(email="agent@exemple.fr", with_totp=True),
    ).user
    response = client.post(reverse("account_login"), {"login": agent.email, "password": settings.DEMO_PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    # Without the code, the agent is not logged in yet.
    assert client.get(reverse("home")).context["user"].is_anonymous
    counters = list(yield_hotp_counters_from_time())
    code = format_hotp_value(hotp_value(settings.DEMO_TOTP_SECRET, counters[len(counters) // 2]))
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302
    assert client.get(reverse("home")).context["user"] == agent
