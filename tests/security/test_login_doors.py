"""One login policy for every door: the portal's login form, the technical admin's, and the API token page.

For every ARS role and the superadmin, a password alone opens nothing: not the pages, not the admin, not the
exports, not the creation of an API token — whichever door the password was typed at. Password and TOTP open them.
"""

from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from portal.models import ApiToken
from portal.roles import Role
from tests.clients import totp_code
from tests.portal.factories import RegionFactory, UserFactory, agent_of

ARS_ROLES = [Role.INSTRUCTOR, Role.COMMITTEE_MEMBER, Role.FINANCE_OFFICER, Role.REGION_ADMIN]
ROLES = [*ARS_ROLES, Role.SUPERADMIN]
ADMIN = "/admin-technique/"
TOKEN = {"name": "Logiciel", "scope": "read", "days": 30}


def _user(role):
    if role == Role.SUPERADMIN:
        return UserFactory(is_superuser=True, is_staff=True, with_totp=True)
    return agent_of(RegionFactory(code="PACA"), role)


def _protected_pages():
    return [reverse("portal:structure_list"), reverse("portal:account"), reverse("funding:intervention_export"), ADMIN]


def _is_logged_in(client) -> bool:
    return client.get(reverse("portal:account")).status_code == 200


def _path(url: str) -> str:
    return urlsplit(url).path


def _post_login(client, user, settings):
    return client.post(reverse("account_login"), {"login": user.email, "password": settings.DEMO_PASSWORD})


def _assert_nothing_opens(client, user, *, redirect_to: str):
    for url in _protected_pages():
        response = client.get(url, follow=True)
        assert response.redirect_chain, url
        assert response.request["PATH_INFO"] == redirect_to, (url, response.redirect_chain)
    response = client.post(reverse("portal:api_tokens"), TOKEN, follow=True)
    assert response.request["PATH_INFO"] == redirect_to
    assert not ApiToken.objects.filter(user=user).exists()


@pytest.mark.parametrize("role", ROLES)
def test_portal_login_with_a_password_only_opens_nothing(role, settings):
    user = _user(role)
    client = Client()
    response = _post_login(client, user, settings)
    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    # The login is pending: every page leads back to the code, and the user is still anonymous.
    _assert_nothing_opens(client, user, redirect_to=reverse("mfa_authenticate"))
    assert client.get(reverse("reporting:home")).context["user"].is_anonymous


@pytest.mark.parametrize("role", ROLES)
def test_admin_login_form_is_the_portal_login(role, settings):
    """The admin has no password form of its own: its login page sends to allauth's, and a POST of credentials
    to it logs nobody in."""
    user = _user(role)
    client = Client()
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert _path(response.url) == reverse("account_login")
    response = client.post(
        reverse("admin:login"), {"username": user.email, "password": settings.DEMO_PASSWORD, "next": ADMIN}
    )
    assert response.status_code == 302
    assert _path(response.url) == reverse("account_login")
    assert not _is_logged_in(client)
    _assert_nothing_opens(client, user, redirect_to=reverse("account_login"))


@pytest.mark.parametrize("role", ROLES)
def test_a_session_opened_by_a_password_alone_must_type_the_code(role, settings):
    """However a session got a password-only login (here Django's own password login, which the admin form used to
    do), owning an authenticator is not enough: every page asks for the code first, and the code opens them."""
    user = _user(role)
    client = Client()
    assert client.login(email=user.email, password=settings.DEMO_PASSWORD)
    _assert_nothing_opens(client, user, redirect_to=reverse("mfa_reauthenticate"))
    response = client.get(reverse("funding:intervention_export"))
    assert response.url == f"{reverse('mfa_reauthenticate')}?next=%2Fsuivi-interventions%2Fexport%2F"
    response = client.post(response.url, {"code": totp_code()})
    assert response.status_code == 302
    assert response.url == reverse("funding:intervention_export")
    assert client.get(reverse("funding:intervention_export")).status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_password_and_totp_open_every_door(role, settings):
    user = _user(role)
    client = Client()
    response = client.get(ADMIN)
    login_url = response.url  # the admin sends to the portal's login, and back to the admin afterwards
    assert _path(login_url) == reverse("admin:login")
    response = client.get(login_url)
    assert _path(response.url) == reverse("account_login")
    response = client.post(response.url, {"login": user.email, "password": settings.DEMO_PASSWORD})
    assert response.url == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert response.status_code == 302
    assert _path(response.url).startswith(ADMIN)
    for url in _protected_pages()[:-1]:
        assert client.get(url).status_code == 200, url
    # The technical admin is for staff only: ARS agents are refused there even with their second factor.
    assert client.get(ADMIN, follow=True).status_code == (200 if role == Role.SUPERADMIN else 403)
    response = client.post(reverse("portal:api_tokens"), TOKEN)
    assert response.status_code == 200
    assert ApiToken.objects.filter(user=user).count() == 1


def test_a_wrong_totp_code_is_rate_limited_like_a_wrong_password(settings):
    user = _user(Role.REGION_ADMIN)
    client = Client()
    _post_login(client, user, settings)
    for _ in range(5):
        response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
        assert response.status_code == 200
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert "Trop de tentatives" in response.content.decode()
    assert not _is_logged_in(client)
