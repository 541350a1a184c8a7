from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_cache() -> str:
    cache.set("healthz", "ok", 10)
    if cache.get("healthz") != "ok":
        raise RuntimeError("lecture du cache impossible")
    return "ok"


def _check_broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER and not settings.REDIS_URL:
        return "ok"  # embedded default: tasks run in the web process, there is no broker to lose
    from config.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        conn.default_channel.client.ping()
    return "ok"


@never_cache
@require_GET
@transaction.non_atomic_requests
def healthz(request):
    """Liveness of the three services the portal needs; 503 names the failing ones."""
    report, healthy = {}, True
    for name, check in (("database", _check_database), ("cache", _check_cache), ("broker", _check_broker)):
        try:
            report[name] = check()
        except Exception as exc:  # noqa: BLE001 - any failure of a dependency is reported, not raised
            report[name] = f"erreur : {type(exc).__name__}"
            healthy = False
    return JsonResponse(report, status=200 if healthy else 503)


@never_cache
@require_GET
@transaction.non_atomic_requests
def ping(request):
    """The cheapest Django answer (no database, no cache): the floor the load benchmark compares pages with."""
    return HttpResponse("pong", content_type="text/plain")
