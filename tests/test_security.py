"""Security properties that hold for every page: CSRF, session fixation, CSP without inline scripts, cookies."""

import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.portal.factories import StructureFactory, coordinator_of
from tests.urlwalk import own_routes

ROOT = Path(settings.BASE_DIR)
INLINE_HANDLER = re.compile(r"""\son[a-z]+\s*=\s*["']""", re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


def test_no_view_is_exempt_from_csrf():
    exempt = [
        route.name
        for route in own_routes()
        if getattr(route.callback, "csrf_exempt", False) and not route.name.startswith("api-v1:")
    ]
    assert exempt == []


def test_a_post_without_csrf_token_is_refused():
    structure = StructureFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(coordinator_of(structure))
    response = client.post(
        reverse("portal:structure_invite", kwargs={"structure_id": structure.pk}),
        {"email": "x@exemple.fr", "role": "professional"},
    )
    assert response.status_code == 403


def test_login_rotates_the_session_key(client):
    user = coordinator_of(StructureFactory(), user__email="fixation@exemple.fr")
    client.get(reverse("account_login"))
    client.session.save()
    before = client.session.session_key
    client.post(reverse("account_login"), {"login": user.email, "password": settings.DEMO_PASSWORD})
    assert client.session.session_key != before
    assert client.session["_auth_user_id"] == str(user.pk)


def test_pages_carry_a_nonce_csp_without_inline_scripts(client):
    response = client.get(reverse("account_login"))
    policy = response["Content-Security-Policy"]
    script_src = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    assert "'nonce-" in script_src
    assert "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"


def test_templates_have_no_inline_script_nor_event_handler():
    offenders = []
    for path in ROOT.glob("**/templates/**/*.html"):
        if ".venv" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if INLINE_HANDLER.search(text):
            offenders.append(f"{path.relative_to(ROOT)} : gestionnaire d'événement en ligne")
        for match in INLINE_SCRIPT.finditer(text):
            if 'type="application/json"' not in match.group(0):
                offenders.append(f"{path.relative_to(ROOT)} : script en ligne")
    assert offenders == []


def test_production_cookies_and_hsts():
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DEBUG": "0",
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "portail.example.fr",
        "DATABASE_URL": "postgres://portal@db.example.fr:5432/portal",  # required without DEBUG (never connected)
    }
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == ["True", "True", "True", "True", "31536000", "True"], result.stderr
