"""Production smoke test: the portal as the Docker image runs it answers its users.

The static layout is built by the image's own script (config/scripts/build_static.sh: production settings, manifest
written); gunicorn serves it with DEBUG=0 on PostgreSQL (a database of its own) and Redis, behind one trusted proxy
as in docker-compose. One demo user of each role logs in through the login form (TOTP for ARS roles and the
superadmin), then opens the home page, every entry of his menu and a static file: 200, never a 500, static files
fingerprinted and cached for a year.

Building DSFR's static files takes about a minute: the build in ``var/production`` is reused while none of its
inputs changed (every file collectstatic would copy, the script, the settings and the locked requirements); the
database is recreated when a migration changed, and migrated and seeded (idempotent) on every run.
"""

import hashlib
import html
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import psycopg
import pytest
import requests
from django.conf import settings

from tests.clients import totp_code

ROOT = Path(settings.BASE_DIR)
BUILD = ROOT / "var" / "production"
STATIC_SCRIPT = ROOT / "config" / "scripts" / "build_static.sh"
CLIENT_ADDRESS = "203.0.113.{}"  # what the proxy would write in X-Forwarded-For, one address per user
USERS = {
    "coordinator": ("coordinateur.msp@demo.fr", False),
    "professional": ("ide.msp@demo.fr", False),
    "instructor": ("instructeur.paca@demo.fr", True),
    "committee_member": ("commission.paca@demo.fr", True),
    "finance_officer": ("finance.paca@demo.fr", True),
    "region_admin": ("admin.paca@demo.fr", True),
    "superadmin": ("superadmin@demo.fr", True),
}
FINGERPRINTED = re.compile(r"""(?:href|src)="(/static/[^"]+\.[0-9a-f]{12}\.(?:css|js))\"""")


def _digest(paths) -> str:
    digest = hashlib.sha256()
    for path in sorted(map(str, paths)):
        digest.update(str(path).encode())
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()


def _static_inputs() -> list[str]:
    """Every file collectstatic copies (same finders, same ignore patterns), plus what decides how it copies."""
    from django.contrib.staticfiles.finders import get_finders

    files = set()
    for finder in get_finders():
        for path, storage in finder.list(["CVS", ".*", "*~"]):
            files.add(storage.path(path))
    return [*files, STATIC_SCRIPT, ROOT / "config" / "settings" / "base.py", ROOT / "requirements" / "base.txt"]


def _production_env(**extra) -> dict:
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", ""),
        "LANG": "C.UTF-8",
        "PYTHON": sys.executable,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DEBUG": "0",
        "VAR_DIR": str(BUILD),
        "MEDIA_ROOT": str(BUILD / "media"),
        **extra,
    }


@pytest.fixture(scope="session")
def production_static():
    """``var/production/static`` as the image has it: built by the image's script, rebuilt when an input changed."""
    stamp = BUILD / "static.sha256"
    manifest = BUILD / "static" / "staticfiles.json"
    digest = _digest(_static_inputs())
    if not (manifest.is_file() and stamp.is_file() and stamp.read_text() == digest):
        BUILD.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            ["sh", str(STATIC_SCRIPT)], env=_production_env(), capture_output=True, text=True, timeout=1200
        )
        assert result.returncode == 0, result.stdout + result.stderr
        stamp.write_text(digest)
    assert manifest.is_file()
    return BUILD / "static"


@pytest.fixture(scope="session")
def production_database():
    """A PostgreSQL database of its own, migrated and seeded with the demo data as production settings load it."""
    base = settings.DATABASES["default"]
    name = f"test_{base['NAME'].removeprefix('test_')}_production"
    admin = {"host": base["HOST"] or "127.0.0.1", "port": base["PORT"] or 5432, "user": base["USER"]}
    if base.get("PASSWORD"):
        admin["password"] = base["PASSWORD"]
    migrations = sorted(ROOT.glob("*/migrations/*.py"))
    stamp = BUILD / "database.sha256"
    digest = _digest(migrations) + name
    with psycopg.connect(dbname="postgres", autocommit=True, **admin) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists or not stamp.is_file() or stamp.read_text() != digest:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')
            stamp.unlink(missing_ok=True)
    credentials = f"{admin['user']}:{admin['password']}" if "password" in admin else admin["user"]
    url = f"postgres://{credentials}@{admin['host']}:{admin['port']}/{name}"
    # Seeding runs its Celery tasks inline (no REDIS_URL): it prepares data, it is not what is tested.
    env = _production_env(DATABASE_URL=url, SECRET_KEY=secrets.token_urlsafe(40), LOG_LEVEL="WARNING")
    for command in (["migrate", "--noinput"], ["seed_demo", "--quiet-accounts"]):
        result = subprocess.run(
            [sys.executable, "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    BUILD.mkdir(parents=True, exist_ok=True)
    stamp.write_text(digest)
    return url


@pytest.fixture(scope="session")
def production_server(production_static, production_database):
    """gunicorn as the image starts it (config.wsgi, production settings), on a free port of the loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = _production_env(
        DATABASE_URL=production_database,
        REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/1"),
        CACHE_KEY_PREFIX=f"production-smoke-{secrets.token_hex(4)}",
        CELERY_QUEUE=f"{os.environ.get('CELERY_QUEUE', 'portal')}_production",
        SECRET_KEY=secrets.token_urlsafe(40),
        ALLOWED_HOSTS="127.0.0.1",
        BEHIND_TLS_PROXY="1",
        TRUSTED_PROXY_COUNT="1",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        LOG_LEVEL="WARNING",
    )
    log = (BUILD / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"]
        + ["--timeout", "120", "--access-logfile", "-"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                ping = requests.get(
                    f"{base_url}/ping", headers={"X-Forwarded-Proto": "https"}, allow_redirects=False, timeout=30
                )
                if ping.status_code == 200:
                    break
            except requests.RequestException:  # not listening yet, or still loading the application
                pass
            assert process.poll() is None, (BUILD / "gunicorn.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "gunicorn n'a pas démarré en 2 minutes"
            time.sleep(0.5)
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


@dataclass
class Browser:
    """A user's browser behind the TLS proxy: the proxy's headers, cookies kept by hand (they are ``Secure``, so
    ``requests`` would not send them back over the plain HTTP between proxy and gunicorn), redirects followed."""

    base_url: str
    address: str
    cookies: dict = field(default_factory=dict)
    seen: list = field(default_factory=list)

    def _headers(self, path: str) -> dict:
        origin = "https://" + urlsplit(self.base_url).netloc
        headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": self.address, "Referer": origin + path}
        headers["Origin"] = origin
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        return headers

    def request(self, method: str, path: str, data=None) -> requests.Response:
        for _ in range(6):
            response = requests.request(
                method, self.base_url + path, data=data, headers=self._headers(path), allow_redirects=False, timeout=60
            )
            self.cookies.update(response.cookies.get_dict())
            self.seen.append((method, path, response.status_code))
            assert response.status_code < 500, f"{method} {path} → {response.status_code}"
            if response.status_code not in (301, 302, 303):
                return response
            location = urljoin(self.base_url + path, response.headers["Location"])
            assert urlsplit(location).scheme in ("http", "https"), location
            path, method, data = urlsplit(location)._replace(scheme="", netloc="").geturl(), "GET", None
        raise AssertionError(f"trop de redirections : {self.seen[-6:]}")

    def get(self, path: str) -> requests.Response:
        return self.request("GET", path)

    def submit(self, path: str, fields: dict) -> requests.Response:
        """GET the form page, then POST ``fields`` with its CSRF token, as a browser does."""
        page = self.get(path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        return self.request("POST", urlsplit(page.url).path, {"csrfmiddlewaretoken": token, **fields})


def _menu_links(page: str) -> list[str]:
    start = page.index('id="fr-navigation"')
    navigation = page[start : page.index("</nav>", start)]
    return sorted({html.unescape(href) for href in re.findall(r'href="(/[^"#]*)"', navigation)})


@pytest.mark.parametrize("role", USERS)
def test_each_role_logs_in_and_reads_its_pages(production_server, role):
    email, with_totp = USERS[role]
    browser = Browser(production_server, CLIENT_ADDRESS.format(list(USERS).index(role) + 10))
    response = browser.submit("/comptes/login/", {"login": email, "password": settings.DEMO_PASSWORD})
    if with_totp:
        assert urlsplit(response.url).path == "/comptes/2fa/authenticate/"
        response = browser.submit("/comptes/2fa/authenticate/", {"code": totp_code()})
    assert response.status_code == 200
    assert "Se déconnecter" in response.text, browser.seen
    home = browser.get("/")
    assert home.status_code == 200
    links = _menu_links(home.text)
    assert links, "le menu principal est vide"
    for link in links:
        assert browser.get(link).status_code == 200, (link, browser.seen[-3:])
    if role == "superadmin":
        assert browser.get("/admin-technique/").status_code == 200
    static = FINGERPRINTED.findall(home.text)
    assert any("/dsfr/" in path for path in static), "les fichiers statiques ne sont pas ceux du manifeste"
    for path in static[:3]:
        asset = browser.get(path)
        assert asset.status_code == 200 and asset.url.endswith(path), path
        assert "max-age=315360000" in asset.headers["Cache-Control"], asset.headers
        assert "immutable" in asset.headers["Cache-Control"]
