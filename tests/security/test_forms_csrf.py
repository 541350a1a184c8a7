"""CSRF on every form: each POST form of every template carries the token, and the middleware refuses a POST
without it on every route (no view is exempt: tests/test_security.py)."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
POST_FORM = re.compile(r"<form\b[^>]*\bmethod=[\"']post[\"'][^>]*>(.*?)</form>", re.IGNORECASE | re.DOTALL)


def _templates():
    for path in sorted(ROOT.glob("**/templates/**/*.html")):
        if ".venv" not in path.parts:
            yield path, path.read_text(encoding="utf-8")


def test_every_post_form_carries_the_csrf_token():
    offenders, forms = [], 0
    for path, text in _templates():
        for match in POST_FORM.finditer(text):
            forms += 1
            if "{% csrf_token %}" not in match.group(1):
                offenders.append(f"{path.relative_to(ROOT)} : {match.group(0)[:80]!r}")
    assert forms > 20  # the walk really found the portal's forms
    assert offenders == []


def test_htmx_posts_send_the_token():
    """Buttons that POST through htmx outside a form get the token from the page (``hx-headers`` on ``body``)."""
    base = (ROOT / "templates" / "base.html").read_text(encoding="utf-8")
    assert "X-CSRFToken" in base and "csrf_token" in base
