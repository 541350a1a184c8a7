"""docker-compose, read as Docker would (no Docker engine here): a reverse proxy in front, gunicorn on the internal
network only, the client's address trusted from exactly that one proxy; the image built as the smoke test builds."""

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SERVICES = {"proxy", "web", "worker", "beat", "postgres", "redis"}


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_the_services(compose):
    assert set(compose["services"]) == SERVICES


def test_only_the_proxy_publishes_ports(compose):
    published = {name: service.get("ports") for name, service in compose["services"].items() if service.get("ports")}
    assert set(published) == {"proxy"}
    assert {str(port).split(":")[0] for port in published["proxy"]} == {"80", "443"}
    assert compose["services"]["web"].get("expose") == ["8000"]


def test_gunicorn_and_the_data_stay_on_the_internal_network(compose):
    networks = compose["networks"]
    assert networks["backend"].get("internal") is True
    services = compose["services"]
    for name in ("web", "worker", "beat", "postgres", "redis"):
        assert "edge" not in services[name]["networks"], name
        assert "backend" in services[name]["networks"], name
    # PostgreSQL and Redis have no way out at all; web, worker and beat go out for e-mail and OpenID Connect.
    assert services["postgres"]["networks"] == ["backend"]
    assert services["redis"]["networks"] == ["backend"]
    assert set(services["proxy"]["networks"]) == {"edge", "backend"}
    assert networks["edge"].get("internal") is not True


def test_the_portal_trusts_exactly_the_proxy(compose):
    for name in ("web", "worker", "beat"):
        environment = compose["services"][name]["environment"]
        assert environment["TRUSTED_PROXY_COUNT"] == "1", name
        assert environment["BEHIND_TLS_PROXY"] == "1", name
        assert environment["DATABASE_URL"].startswith("postgres://"), name
    assert compose["services"]["worker"]["environment"]["DB_STATEMENT_TIMEOUT_MS"] == "600000"


def test_the_proxy_configuration_is_committed_and_mounted(compose):
    proxy = compose["services"]["proxy"]
    assert proxy["image"].startswith("caddy:")
    mount = next(volume for volume in proxy["volumes"] if volume.endswith("/etc/caddy/Caddyfile:ro"))
    text = (ROOT / mount.split(":")[0]).read_text(encoding="utf-8")
    caddyfile = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    assert re.search(r"^\s*reverse_proxy web:8000\b", caddyfile, re.MULTILINE)
    assert "trusted_proxies" not in caddyfile  # clients' own X-Forwarded-For is never passed on
    assert "{$SITE_ADDRESS" in caddyfile
    assert proxy["depends_on"]["web"]["condition"] == "service_healthy"


def test_caddy_accepts_the_configuration():
    """Caddy itself (Debian's package, installed by ``make test``) adapts and validates the committed Caddyfile."""
    result = subprocess.run(
        ["caddy", "adapt", "--config", str(ROOT / "config/caddy/Caddyfile"), "--adapter", "caddyfile", "--validate"],
        env={**os.environ, "SITE_ADDRESS": "portail-protocoles.example.fr"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    server = config["apps"]["http"]["servers"]["srv0"]
    assert server["listen"] == [":443"]  # HTTPS, HTTP redirected to it
    route = server["routes"][0]
    assert route["match"] == [{"host": ["portail-protocoles.example.fr"]}]
    handlers = [handler for sub in route["handle"] for step in sub["routes"] for handler in step["handle"]]
    proxy = next(handler for handler in handlers if handler["handler"] == "reverse_proxy")
    assert proxy["upstreams"] == [{"dial": "web:8000"}]
    assert "trusted_proxies" not in json.dumps(config)
    assert "warn" not in result.stderr


def test_the_image_builds_static_files_as_the_smoke_test_does():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "RUN sh config/scripts/build_static.sh" in dockerfile
    assert "DEBUG=1" not in dockerfile
    assert "collectstatic" not in dockerfile  # only through the script
    dockerignore = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".git", ".venv", "var", ".env"} <= set(dockerignore)


def test_the_env_example_documents_the_proxy_settings():
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    assert re.search(r"^TRUSTED_PROXY_COUNT=1$", example, re.MULTILINE)
    assert re.search(r"^BEHIND_TLS_PROXY=1$", example, re.MULTILINE)
