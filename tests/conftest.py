import os

import pytest
from django.core.cache import cache

# Playwright's sync API runs an event loop in the test thread; Django must still allow ORM calls there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.hookimpl(tryfirst=True)  # before ``-m`` selects on these markers
def pytest_collection_modifyitems(items):
    """Every test may use the database (PostgreSQL). Browser tests and the tests that need the machine to themselves
    (a real Celery worker, fault injection, the production smoke test and its shared ``var/production``) are marked
    so that ``make test`` runs them in its serial pass, after the parallel one (docs/conventions.md)."""
    for item in items:
        item.add_marker(pytest.mark.django_db)
        fixtures = getattr(item, "fixturenames", ())
        if "live_server" in fixtures:
            item.add_marker(pytest.mark.browser)
        if "celery_worker" in fixtures or item.path.parent.name in {"faults", "production"}:
            item.add_marker(pytest.mark.serial)


@pytest.fixture(scope="session", autouse=True)
def _unordered_querysets_come_back_shuffled():
    """A query without ORDER BY gets ``ORDER BY RANDOM()`` in tests: PostgreSQL returns such rows in whatever order
    it likes (usually insertion order, until a table has had deletions), so code or a test that counts on it fails
    here at once rather than once in a while in production. See ``tests/ordering.py``."""
    from tests.ordering import shuffle_unordered_querysets

    with shuffle_unordered_querysets():
        yield


@pytest.fixture
def client():
    """Django's test client, whose ``force_login`` records the second factor as a real TOTP login does."""
    from tests.clients import PortalClient

    return PortalClient()


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate limits and cached aggregates live in Redis: each test starts from an empty cache."""
    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def demo(db):
    """The demo data of every layer, as ``manage.py seed_demo`` loads it."""
    from django.core.management import call_command

    call_command("seed_demo", quiet_accounts=True)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, never a downloaded browser (the machine has no access to Playwright's CDN)."""
    return {**browser_type_launch_args, "executable_path": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")}


@pytest.fixture
def live_demo(transactional_db, live_server):
    """The demo data behind a live server, for browser journeys."""
    from django.core.management import call_command

    call_command("seed_demo", quiet_accounts=True)
    return live_server


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker on the real Redis for this test (eager mode off): see ``tests/workers.py``."""
    from tests.workers import celery_worker_on_redis

    with celery_worker_on_redis() as worker:
        yield worker


@pytest.fixture(scope="session")
def _oidc_provider_process():
    """The test OpenID Connect provider (node ``oidc-provider``), one per pytest process: tests/oidc/fixture.py."""
    from tests.oidc.fixture import OidcProvider, start_provider_process

    process, issuer, state_file = start_provider_process()
    yield OidcProvider(issuer, state_file)
    process.terminate()
    process.wait(timeout=10)
    state_file.unlink(missing_ok=True)
    state_file.with_suffix(".log").unlink(missing_ok=True)


@pytest.fixture
def oidc_provider(_oidc_provider_process, settings):
    """The provider with no one yet and the portal registered at the test client's origin; the portal's
    ``SOCIALACCOUNT_PROVIDERS`` point at it as PROCONNECT_* / PRO_SANTE_CONNECT_* would."""
    _oidc_provider_process.reset()
    settings.SOCIALACCOUNT_PROVIDERS = _oidc_provider_process.socialaccount_providers()
    return _oidc_provider_process
