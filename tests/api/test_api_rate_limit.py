"""The rate limit per token, counted in the real Redis: every request counts (errors included), each token has its
own budget, the refusal is a JSON 429 with Retry-After, and the budget comes back with the next minute."""

import datetime

import time_machine
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.utils import timezone

from tests.funding.eligibility_world import build_world


def test_each_token_has_its_budget_per_minute_in_redis(api_client_for, settings):
    assert isinstance(caches["default"], RedisCache)  # the counters live where production keeps them
    settings.API_RATE_LIMIT_PER_MINUTE = 3
    world = build_world()
    writer, reader = api_client_for(world.coordinator, scope="write"), api_client_for(world.coordinator)
    start = timezone.now().replace(second=50, microsecond=0)
    with time_machine.travel(start, tick=False):
        statuses = [
            writer.get("/interventions").status_code,
            writer.get("/interventions/0").status_code,  # a 404 counts too
            writer.post("/interventions/batch", {"structure_id": world.structure.pk, "interventions": []}).status_code,
        ]
        assert statuses == [200, 404, 422]
        refused = writer.post("/interventions", {"structure_id": world.structure.pk})
        assert refused.status_code == 429
        assert refused["Retry-After"] == "10"
        assert refused.json() == {
            "code": "rate_limited",
            "message": "Trop de requêtes pour ce jeton : réessayez dans quelques secondes.",
            "errors": [],
        }
        assert reader.get("/structures").status_code == 200  # another token of the same person
    with time_machine.travel(start + datetime.timedelta(seconds=10), tick=False):
        assert writer.get("/interventions").status_code == 200


def _bad_key(client, address, *, forwarded=None):
    return client.get(
        "/api/v1/structures",
        headers={"Authorization": "Bearer pas-une-cle", "X-Forwarded-For": forwarded or address},
        REMOTE_ADDR="10.0.0.2",
    )


def test_unknown_keys_are_limited_per_client_behind_the_proxy(settings):
    from django.test import Client

    settings.API_AUTH_FAILURES_PER_MINUTE = 3
    settings.TRUSTED_PROXY_COUNT = 1
    client = Client()
    assert [_bad_key(client, "203.0.113.1").status_code for _ in range(3)] == [401, 401, 401]
    refused = _bad_key(client, "203.0.113.1")
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert int(refused["Retry-After"]) <= 60
    # Another client behind the same proxy keeps his budget.
    assert _bad_key(client, "203.0.113.2").status_code == 401


def test_without_a_trusted_proxy_a_forged_address_does_not_reset_the_budget(settings):
    from django.test import Client

    settings.API_AUTH_FAILURES_PER_MINUTE = 3
    settings.TRUSTED_PROXY_COUNT = 0
    client = Client()
    statuses = [_bad_key(client, f"198.51.100.{n}").status_code for n in range(4)]
    assert statuses == [401, 401, 401, 429]
