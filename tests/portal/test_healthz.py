import pytest
from django.urls import reverse


def test_healthz_ok(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # check the real broker (Redis), as in production
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "ok", "broker": "ok"}


@pytest.mark.parametrize("failing", ["cache", "broker"])
def test_healthz_names_the_failing_service(client, settings, failing):
    # A real Redis client pointed at a port where nothing listens: the failure is real, not mocked.
    dead_redis = "redis://127.0.0.1:6390/0"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    if failing == "cache":
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": dead_redis,
                "OPTIONS": {"socket_connect_timeout": 0.5},
            }
        }
    else:
        from config.celery import app

        app.conf.broker_url = dead_redis
    try:
        response = client.get(reverse("healthz"))
    finally:
        if failing == "broker":
            from config.celery import app

            app.conf.broker_url = settings.CELERY_BROKER_URL
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok"
    assert body[failing].startswith("erreur")
    other = {"cache": "broker", "broker": "cache"}[failing]
    assert body[other] == "ok"
