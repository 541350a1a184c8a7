"""Production settings: `manage.py check --deploy` with a production-like environment gives no warning."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from config import embedded_db

ROOT = Path(__file__).resolve().parent.parent


def _production_env(**overrides):
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", ""),
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "portail-protocoles.sante.fr",
        "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    env.update(overrides)
    return env


def _manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key():
    result = _manage("check", env=_production_env(SECRET_KEY=""))
    assert result.returncode != 0
    assert "SECRET_KEY est obligatoire" in result.stderr


@pytest.mark.parametrize("value", ["yess", "vrai"])
def test_a_typo_in_a_boolean_stops_the_start(value):
    result = _manage("check", env=_production_env(DEBUG=value))
    assert result.returncode != 0
    assert "n'est pas un booléen" in result.stderr


def test_production_refuses_to_start_without_database_url():
    result = _manage("check", env=_production_env(DATABASE_URL=""))
    assert result.returncode != 0
    assert "DATABASE_URL est obligatoire" in result.stderr


def test_only_postgresql_is_accepted():
    result = _manage("check", env=_production_env(DATABASE_URL="sqlite:///var/portal.sqlite3"))
    assert result.returncode != 0
    assert "ne fonctionne que sur PostgreSQL" in result.stderr


def test_a_developer_machine_defaults_to_the_embedded_postgresql(tmp_path):
    """DEBUG without DATABASE_URL: the Unix socket of the embedded server under VAR_DIR (config/embedded_db.py)."""
    env = _production_env(DEBUG="1", DATABASE_URL="", VAR_DIR=str(tmp_path))
    show = "from django.conf import settings; d = settings.DATABASES['default']; print('DB', d['HOST'], d['NAME'])"
    result = _manage("shell", "--no-imports", "-c", show, env=env)
    assert result.returncode == 0, result.stderr
    assert f"DB {embedded_db.socket_dir(tmp_path)} portal" in result.stdout.splitlines()


@pytest.mark.parametrize("value", ["-1", "6", "un"])
def test_a_bad_trusted_proxy_count_stops_the_start(value):
    result = _manage("check", env=_production_env(TRUSTED_PROXY_COUNT=value))
    assert result.returncode != 0
    assert "TRUSTED_PROXY_COUNT" in result.stderr
