"""Settings of the portal, read from the environment only.

Production differs from a developer's machine by environment variables, never by another module.
Without ``DATABASE_URL`` (DEBUG only) the portal runs on the embedded PostgreSQL of ``make run`` under ``var/``;
without ``REDIS_URL`` the cache is local memory and Celery runs its tasks eagerly, in the web process.
"""

from pathlib import Path

import dj_database_url
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

from config import embedded_db
from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY est obligatoire hors mode DEBUG.")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-0123456789abcdef"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "simple_history",
    "dsfr",
    "widget_tweaks",
    "django_htmx",
    "django_celery_beat",
    "ninja",
    "csp",
    "portal",
    "protocols",
    "funding",
    "reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "portal.middleware.MfaRequiredMiddleware",
    "portal.middleware.ServiceUnavailableMiddleware",
    "portal.api_middleware.ApiMethodNotAllowedMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
                "portal.context_processors.navigation",
            ],
            "builtins": ["portal.templatetags.portal_tags"],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------------------------
# PostgreSQL only. Production sets DATABASE_URL; on a developer's machine (DEBUG) the default is the embedded
# PostgreSQL that `make run` starts under var/postgres (config/embedded_db.py), reached through its Unix socket.
DATABASE_URL = env_str("DATABASE_URL")
if not DATABASE_URL:
    if not DEBUG:
        raise ImproperlyConfigured("DATABASE_URL est obligatoire hors mode DEBUG.")
    DATABASE_URL = embedded_db.database_url(VAR_DIR)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured(
        "Le portail ne fonctionne que sur PostgreSQL : DATABASE_URL doit commencer par postgres://."
    )
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A runaway query fails fast instead of holding a worker; Celery workers raise it through the env.
statement_timeout = env_int("DB_STATEMENT_TIMEOUT_MS", 30_000)
lock_timeout = env_int("DB_LOCK_TIMEOUT_MS", 10_000)
DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
    f"-c statement_timeout={statement_timeout} -c lock_timeout={lock_timeout}"
)
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, Celery --------------------------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.PrefixedRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "portal"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "portal")
CELERY_TASK_ACKS_LATE = True  # a killed worker hands its task back to the queue
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 1800)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 1900)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "Europe/Paris"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# --- Auth (django-allauth, MFA) ------------------------------------------------------------------------------
AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "reporting:home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Portail protocoles] "
ACCOUNT_ADAPTER = "portal.adapters.AccountAdapter"
# Rate limits live in the cache (Redis in production): 5 failed logins per e-mail per 5 minutes. The admin has no
# login form of its own (config/urls.py): every door is this one.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "login": "30/m/ip",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    # One-time codes e-mailed before a first TOTP enrollment (portal.mfa): 3 per account per 10 minutes.
    "portal_enrollment_code": "3/10m/user,20/h/ip",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Portail protocoles de coopération"
MFA_ADAPTER = "portal.adapters.MFAAdapter"

SOCIALACCOUNT_ADAPTER = "portal.adapters.SocialAccountAdapter"
# Federated logins open existing accounts only, chosen by portal.federation.linking (verified e-mail for
# ProConnect, RPPS for Pro Santé Connect): allauth's own e-mail matching and sign-up are off, and the account's
# e-mail verification step is not asked again of a person the provider vouched for.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"

# What each provider is asked for (docs/federation.md). ProConnect: one scope per claim, and the `claims` parameter
# so that its ID token carries `amr` and `acr` (a multi-factor login counts as the portal's second factor).
# Pro Santé Connect: `scope_all` and the `eidas1` level it requires.
OIDC_PROVIDER_SETTINGS = {
    "proconnect": {
        "scope": ["openid", "email", "given_name", "usual_name", "uid", "siret", "idp_id"],
        "auth_params": {
            "acr_values": "eidas1",
            "claims": '{"id_token":{"amr":{"essential":true},"acr":{"essential":true}}}',
        },
    },
    "prosanteconnect": {"scope": ["openid", "scope_all"], "auth_params": {"acr_values": "eidas1"}},
}


def _oidc_app(prefix: str, provider_id: str, name: str) -> dict | None:
    """One OpenID Connect provider, configured only when all of its three variables are set."""
    values = {key: env_str(f"{prefix}_{key}") for key in ("CLIENT_ID", "CLIENT_SECRET", "SERVER_URL")}
    if not any(values.values()):
        return None
    if not all(values.values()):
        missing = ", ".join(f"{prefix}_{key}" for key, value in values.items() if not value)
        raise ImproperlyConfigured(f"Configuration OpenID Connect incomplète : {missing} manquant(s).")
    return {
        "provider_id": provider_id,
        "name": name,
        "client_id": values["CLIENT_ID"],
        "secret": values["CLIENT_SECRET"],
        "settings": {
            "server_url": values["SERVER_URL"],
            "token_auth_method": "client_secret_post",
            **OIDC_PROVIDER_SETTINGS[provider_id],
        },
    }


OIDC_APPS = [
    app
    for app in (
        _oidc_app("PROCONNECT", "proconnect", "ProConnect"),
        _oidc_app("PRO_SANTE_CONNECT", "prosanteconnect", "Pro Santé Connect"),
    )
    if app
]
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "APPS": OIDC_APPS,
        "OAUTH_PKCE_ENABLED": True,
        # nonce, signature always verified, signed userinfo, clear failure when the provider is down
        "provider_class": "portal.federation.client.PortalOIDCProvider",
    }
}


def oidc_origins(apps: list[dict]) -> list[str]:
    """The providers' origins: the login and logout forms post to the portal, which redirects there (CSP)."""
    from urllib.parse import urlsplit

    return sorted({"{0.scheme}://{0.netloc}".format(urlsplit(app["settings"]["server_url"])) for app in apps})


# --- Internationalisation ------------------------------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files -------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded documents are private: stored outside static/, never served by URL, only through views that scope them.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media-non-servi/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 10 * 1024 * 1024)

# Bounds on an imported reporting table (protocols.imports.bounds, docs/security.md): cells (or CSV columns) per row,
# real decompressed bytes of one part of an XLSX (a sheet, its shared strings), characters of one CSV line; and how
# many times a Celery import killed mid-task (memory, kill) is delivered before its batch is marked failed.
# The shared strings are parsed whole: a worker may need about ten times IMPORT_MAX_PART_BYTES for them.
IMPORT_MAX_COLUMNS = env_int("IMPORT_MAX_COLUMNS", 256, minimum=16, maximum=16_384)
IMPORT_MAX_PART_BYTES = env_int("IMPORT_MAX_PART_BYTES", 64 * 1024 * 1024, minimum=1024 * 1024)
IMPORT_MAX_CSV_LINE = env_int("IMPORT_MAX_CSV_LINE", 65_536, minimum=1024)
IMPORT_MAX_ATTEMPTS = env_int("IMPORT_MAX_ATTEMPTS", 3, minimum=1, maximum=10)

# démarches-simplifiées GraphQL API v2 (protocols/ds/client.py). Each region's token and démarche are set by its
# regional admin in the portal; these only say where DS answers and how long the portal waits for it.
DS_API_URL = env_str("DS_API_URL", "https://www.demarches-simplifiees.fr/api/v2/graphql")
DS_API_TIMEOUT = env_int("DS_API_TIMEOUT_SECONDS", 10, minimum=1, maximum=60)

# Biannual reports (reporting): due this many days after they open (1 January, 1 July); coordinators are reminded
# once when the due date is this many days away or less.
REPORT_DUE_DAYS = env_int("REPORT_DUE_DAYS", 30)
REPORT_REMINDER_DAYS = env_int("REPORT_REMINDER_DAYS", 7)
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640

# --- E-mail ----------------------------------------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Portail protocoles de coopération <ne-pas-repondre@sante.gouv.fr>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security --------------------------------------------------------------------------------------------------
SECURE = not DEBUG
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", SECURE)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", SECURE)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", SECURE)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", SECURE)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", SECURE)
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many reverse proxies of ours append the client's address to X-Forwarded-For (Caddy in docker-compose: 1).
# The client is the address that many entries from the right; with 0 the header is ignored (a client could write
# anything in it) and the client is the TCP peer. The per-IP limits of the login (allauth) and of the API read it.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0, maximum=5)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        # DSFR components set style attributes; scripts stay nonce-only.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        # Chromium applies form-action to the redirects that follow a form: the ProConnect / PSC buttons and the
        # logout post to the portal, which redirects to the provider.
        "form-action": ["'self'", *oidc_origins(OIDC_APPS)],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}


# --- Logging ---------------------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # WeasyPrint narrates every rendering step at INFO; only its problems matter.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- Portal ----------------------------------------------------------------------------------------------------
DEMO_PASSWORD = "demo-portail-2025"
DEMO_TOTP_SECRET = "PORTAILDEMOTOTP2"
API_RATE_LIMIT_PER_MINUTE = env_int("API_RATE_LIMIT_PER_MINUTE", 400, minimum=1)
# Requests with an unknown, expired or revoked API key, per client address and minute, before a 429.
API_AUTH_FAILURES_PER_MINUTE = env_int("API_AUTH_FAILURES_PER_MINUTE", 30, minimum=1)
# Audit lines of federated logins that failed before anyone was identified (a forged `state`, an error answer): the
# callback is open to anyone, so at most this many lines per client address per 10 minutes (portal.federation.errors).
FEDERATION_ANONYMOUS_AUDIT_PER_IP = env_int("FEDERATION_ANONYMOUS_AUDIT_PER_IP", 10, minimum=1)
