"""Test override: fast but real. PostgreSQL and Redis always, never SQLite nor an in-memory broker."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/1")
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789-abcdefghijklmnop")
os.environ.setdefault("VAR_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "var", "test"))

from config.settings.base import *  # noqa: E402,F403
from config.settings.base import CACHES, CELERY_TASK_DEFAULT_QUEUE, DATABASES, VAR_DIR  # noqa: E402

if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise RuntimeError("Les tests tournent sur PostgreSQL : DATABASE_URL doit désigner une base PostgreSQL.")

# Under pytest-xdist, each worker (gw0, gw1…) has its own test database (pytest-django suffixes its name), and here
# its own cache keys and Celery queue on the shared Redis: one worker's cache.clear() or purge() leaves the others'.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if XDIST_WORKER:
    CACHES["default"]["KEY_PREFIX"] = f"{CACHES['default']['KEY_PREFIX']}-{XDIST_WORKER}"
    CELERY_TASK_DEFAULT_QUEUE = f"{CELERY_TASK_DEFAULT_QUEUE}-{XDIST_WORKER}"

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests run Celery tasks inline unless they start a real worker on Redis (see tests/conftest.py::celery_worker).
CELERY_TASK_ALWAYS_EAGER = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
ALLOWED_HOSTS = ["*"]
DEBUG = False
# Static files come straight from the finders (no collectstatic before tests).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# No test reaches démarches-simplifiées: a test that reads DS points DS_API_URL at its local server
# (tests/protocols/ds/fake_ds.py); elsewhere the discard port refuses at once.
DS_API_URL = "http://127.0.0.1:9/api/v2/graphql"
