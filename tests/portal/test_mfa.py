"""TOTP is mandatory for every ARS role: without it, an agent is sent to set it up before any ARS page; a first set-up
needs a fresh proof that the mailbox owner is present (a one-time code e-mailed to the account)."""

import datetime
import re

import time_machine
from allauth.mfa.models import Authenticator
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from portal.roles import Role
from tests.clients import totp_code
from tests.portal.factories import (
    RegionFactory,
    RegionMembershipFactory,
    StructureFactory,
    UserFactory,
    coordinator_of,
)

ENROLLMENT = reverse("portal:totp_enrollment")


def _new_agent(**kwargs):
    return RegionMembershipFactory(role=Role.INSTRUCTOR, user=UserFactory(with_totp=False, **kwargs)).user


def _mailed_code() -> str:
    return re.search(r"Votre code : (\d{6})", mail.outbox[-1].body).group(1)


def test_agent_without_totp_is_sent_to_set_it_up(client):
    agent = _new_agent()
    client.force_login(agent)
    for url in (
        reverse("reporting:home"),
        reverse("portal:structure_list"),
        reverse("portal:account"),
        "/admin-technique/",
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url == ENROLLMENT
    # The activation itself waits for the mailbox proof; the recovery codes cannot stand in for a TOTP.
    assert client.get(reverse("mfa_activate_totp")).url == ENROLLMENT
    assert client.get(reverse("mfa_generate_recovery_codes")).url == ENROLLMENT
    assert client.get(ENROLLMENT).status_code == 200
    assert client.get(reverse("account_logout")).status_code == 200


def test_first_enrollment_needs_the_code_mailed_to_the_owner(client, settings):
    agent = _new_agent(email="nouvelle.agente@exemple.fr")
    client.force_login(agent)
    response = client.post(ENROLLMENT, {"send": "1"})
    assert response.url == ENROLLMENT
    assert mail.outbox[-1].to == ["nouvelle.agente@exemple.fr"]
    code = _mailed_code()
    response = client.post(ENROLLMENT, {"verify": "1", "code": "000000" if code != "000000" else "111111"})
    assert response.status_code == 400
    assert "Code incorrect" in response.content.decode()
    response = client.post(ENROLLMENT, {"verify": "1", "code": code})
    assert response.url == reverse("mfa_activate_totp")
    # allauth asks the password again, then shows the QR code; the first TOTP code activates and counts as used.
    response = client.get(reverse("mfa_activate_totp"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("account_reauthenticate"))
    client.post(response.redirect_chain[-1][0], {"password": settings.DEMO_PASSWORD})
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 200
    secret = response.context["form"].secret
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=agent, type=Authenticator.Type.TOTP).exists()
    assert client.get(reverse("portal:structure_list")).status_code == 200


def test_the_mailed_code_is_single_use_and_short_lived(client):
    agent = _new_agent()
    client.force_login(agent)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.post(ENROLLMENT, {"send": "1"})
        code = _mailed_code()
    with time_machine.travel(start + datetime.timedelta(minutes=11), tick=False):
        response = client.post(ENROLLMENT, {"verify": "1", "code": code})
        assert response.status_code == 400
        assert "plus valable" in response.content.decode()
        client.post(ENROLLMENT, {"send": "1"})
        code = _mailed_code()
        assert client.post(ENROLLMENT, {"verify": "1", "code": code}).url == reverse("mfa_activate_totp")
    # The proof opens the activation for a quarter of an hour, then a new code is needed; the old one is spent.
    with time_machine.travel(start + datetime.timedelta(minutes=27), tick=False):
        assert client.get(reverse("mfa_activate_totp")).url == ENROLLMENT
        response = client.post(ENROLLMENT, {"verify": "1", "code": code})
        assert response.status_code == 400


def test_wrong_codes_void_the_code_and_sending_is_rate_limited(client):
    agent = _new_agent()
    client.force_login(agent)
    client.post(ENROLLMENT, {"send": "1"})
    code = _mailed_code()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert client.post(ENROLLMENT, {"verify": "1", "code": wrong}).status_code == 400
    response = client.post(ENROLLMENT, {"verify": "1", "code": code})
    assert response.status_code == 400  # too late: five wrong tries voided it
    client.post(ENROLLMENT, {"send": "1"})
    client.post(ENROLLMENT, {"send": "1"})
    assert len(mail.outbox) == 3
    response = client.post(ENROLLMENT, {"send": "1"})
    assert response.status_code == 400
    assert "Trop de codes demandés" in response.content.decode()
    assert len(mail.outbox) == 3


def test_region_admin_sees_the_agents_of_his_region_without_totp(client):
    paca, cvl = RegionFactory(code="PACA"), RegionFactory(code="CVL")
    admin = RegionMembershipFactory(role=Role.REGION_ADMIN, region=paca).user
    RegionMembershipFactory(role=Role.FINANCE_OFFICER, region=paca, user=UserFactory(email="sans.totp@exemple.fr"))
    RegionMembershipFactory(
        role=Role.INSTRUCTOR, region=paca, user=UserFactory(email="avec.totp@exemple.fr", with_totp=True)
    )
    RegionMembershipFactory(role=Role.INSTRUCTOR, region=cvl, user=UserFactory(email="cvl.sans.totp@exemple.fr"))
    client.force_login(admin)
    response = client.get(reverse("portal:region_staff", kwargs={"region_id": paca.pk}))
    assert response.status_code == 200
    assert [user.email for user in response.context["not_enrolled"]] == ["sans.totp@exemple.fr"]
    content = response.content.decode()
    assert "sans.totp@exemple.fr" in content
    assert "cvl.sans.totp@exemple.fr" not in content


def test_agent_with_totp_reaches_their_pages(client):
    agent = RegionMembershipFactory(role=Role.REGION_ADMIN).user
    assert Authenticator.objects.filter(user=agent, type=Authenticator.Type.TOTP).exists()
    client.force_login(agent)
    assert client.get(reverse("reporting:home")).status_code == 200
    assert client.get(reverse("portal:structure_list")).status_code == 200


def test_structure_users_are_not_forced(client):
    coordinator = coordinator_of(StructureFactory())
    client.force_login(coordinator)
    assert client.get(reverse("reporting:home")).status_code == 200


def test_agent_cannot_remove_their_authenticator(client):
    agent = RegionMembershipFactory(role=Role.INSTRUCTOR).user
    client.force_login(agent)
    response = client.post(reverse("mfa_deactivate_totp"))
    assert Authenticator.objects.filter(user=agent, type=Authenticator.Type.TOTP).exists()
    assert response.status_code in (200, 302, 403)


def test_login_asks_the_totp_code_then_lets_the_agent_in(client, settings):
    agent = RegionMembershipFactory(
        role=Role.INSTRUCTOR,
        region=RegionFactory(code="PACA"),
        user=UserFactory(email="agent@exemple.fr", with_totp=True),
    ).user
    response = client.post(reverse("account_login"), {"login": agent.email, "password": settings.DEMO_PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    # Without the code, the agent is not logged in yet.
    assert client.get(reverse("reporting:home")).context["user"].is_anonymous
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert response.status_code == 302
    assert client.get(reverse("reporting:home")).context["user"] == agent
