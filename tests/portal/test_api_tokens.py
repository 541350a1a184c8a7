"""Personal API tokens: shown once, hashed at rest, expiring, revocable, MFA-bound for ARS staff, rate-limited."""

import datetime
import hashlib

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from portal.errors import ApplicationError
from portal.models import ApiToken
from portal.roles import Role
from portal.tokens import api_rate_limit, api_token_authenticate, api_token_create, api_token_revoke
from tests.portal.factories import RegionMembershipFactory, StructureFactory, UserFactory, coordinator_of


def test_the_key_is_stored_hashed_and_authenticates():
    user = coordinator_of(StructureFactory())
    token, raw_key = api_token_create(user=user, name="Logiciel du cabinet", scope="write", days=30)
    token.refresh_from_db()
    assert raw_key not in {token.key_hash, token.prefix, token.name}
    assert token.key_hash == hashlib.sha256(raw_key.encode()).hexdigest()
    assert not ApiToken.objects.filter(key_hash=raw_key).exists()
    assert api_token_authenticate(raw_key) == token
    assert api_token_authenticate(raw_key + "x") is None
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_expiry_and_revocation():
    user = coordinator_of(StructureFactory())
    token, raw_key = api_token_create(user=user, name="Script", scope="read", days=1)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1, minutes=1)):
        assert api_token_authenticate(raw_key) is None
    assert api_token_authenticate(raw_key) == token
    api_token_revoke(token=token, by=user)
    assert api_token_authenticate(raw_key) is None
    with pytest.raises(ApplicationError):
        api_token_revoke(token=token, by=UserFactory())


def test_agents_need_totp_for_a_token():
    agent = RegionMembershipFactory(role=Role.FINANCE_OFFICER, user=UserFactory(with_totp=False)).user
    with pytest.raises(ApplicationError, match="double authentification"):
        api_token_create(user=agent, name="SI de l'ARS", scope="read")
    agent_with_totp = RegionMembershipFactory(role=Role.FINANCE_OFFICER).user
    token, raw_key = api_token_create(user=agent_with_totp, name="SI de l'ARS", scope="read")
    assert api_token_authenticate(raw_key) == token
    # Should the agent ever lose the second factor, the token stops working.
    agent_with_totp.authenticator_set.all().delete()
    assert api_token_authenticate(raw_key) is None


@pytest.mark.parametrize(("days", "name"), [(0, "x"), (400, "x"), (30, "  ")])
def test_invalid_token_requests(days, name):
    with pytest.raises(ApplicationError):
        api_token_create(user=UserFactory(), name=name, scope="read", days=days)


def test_account_page_shows_the_key_once(client):
    user = coordinator_of(StructureFactory())
    client.force_login(user)
    response = client.post(reverse("portal:api_tokens"), {"name": "Logiciel", "scope": "read", "days": 90})
    assert response.status_code == 200
    raw_key = response.context["raw_key"]
    assert raw_key.startswith("pcp_") and raw_key in response.content.decode()
    page = client.get(reverse("portal:api_tokens")).content.decode()
    assert raw_key not in page
    assert ApiToken.objects.get().prefix in page
    response = client.post(reverse("portal:api_tokens"), {"name": "", "scope": "read", "days": 90})
    assert response.status_code == 400


def test_command_prints_a_new_token(capsys):
    user = coordinator_of(StructureFactory(), user__email="coordination@exemple.fr")
    call_command("create_api_token", user="coordination@exemple.fr", scope="write", days=10)
    raw_key = capsys.readouterr().out.strip()
    token = api_token_authenticate(raw_key)
    assert token.user == user and token.scope == "write"


def test_rate_limit_counts_per_token_per_minute_in_redis(settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 3
    user = coordinator_of(StructureFactory())
    token, _ = api_token_create(user=user, name="a", scope="read")
    other, _ = api_token_create(user=user, name="b", scope="read")
    start = timezone.now().replace(second=10, microsecond=0)
    with time_machine.travel(start, tick=False):
        assert [api_rate_limit(token) for _ in range(3)] == [None, None, None]
        assert api_rate_limit(token) == 50  # seconds until the minute ends
        assert api_rate_limit(other) is None
    with time_machine.travel(start + datetime.timedelta(minutes=1), tick=False):
        assert api_rate_limit(token) is None
