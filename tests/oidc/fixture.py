"""The test OpenID Connect provider (``tests/oidc/provider.js``, node ``oidc-provider``) and how tests drive it.

One provider process per pytest process (xdist worker), on a free loopback port; each test gets it with empty
people and fresh client registrations (``oidc_provider`` fixture, tests/conftest.py) and the portal configured for
it the way the three environment variables of each provider configure production (config/settings/base.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from copy import deepcopy
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

HERE = Path(__file__).resolve().parent
SECRET = "secret-de-test-du-portail-0123456789"
CLIENT_IDS = {"proconnect": "portal-proconnect", "prosanteconnect": "portal-psc"}
CALLBACK = "/comptes/oidc/{provider_id}/login/callback/"
DJANGO_TEST_ORIGIN = "http://testserver"


def start_provider_process():
    """Start node on ``provider.js``; returns (process, issuer, state file). Fails clearly without its npm deps."""
    if not (HERE / "node_modules" / "oidc-provider" / "package.json").exists():
        pytest.fail(
            "Le fournisseur OpenID Connect de test n'est pas installé : lancez `npm ci --prefix tests/oidc` "
            "(`make test` le fait par `make npm-deps`).",
            pytrace=False,
        )
    state_file = Path(tempfile.mkstemp(prefix="oidc-state-", suffix=".json")[1])
    state_file.write_text(json.dumps({"clients": {}, "accounts": {}}))
    log = state_file.with_suffix(".log")
    with log.open("w") as output:
        process = subprocess.Popen(
            ["node", str(HERE / "provider.js")],
            env={**os.environ, "OIDC_PORT": "0", "OIDC_STATE_FILE": str(state_file)},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    line = ""
    deadline = time.monotonic() + 20
    while not line and process.poll() is None and time.monotonic() < deadline:
        line = next((entry for entry in log.read_text().splitlines() if entry.startswith('{"ready"')), "")
        time.sleep(0.05)  # a process starting up: nothing to wait on but its output
    if not line:
        process.kill()
        pytest.fail(f"Le fournisseur OpenID Connect de test n'a pas démarré : {log.read_text()}", pytrace=False)
    return process, json.loads(line)["issuer"], state_file


class OidcProvider:
    """The running provider, seen from a test: its people, its client registrations, the portal's settings."""

    def __init__(self, issuer: str, state_file: Path):
        self.issuer = issuer
        self.state_file = state_file
        self.state = {"clients": {}, "accounts": {}}

    def _write(self) -> None:
        self.state_file.write_text(json.dumps(self.state))

    def reset(self) -> None:
        self.state = {"clients": {}, "accounts": {}}
        self.register_portal(DJANGO_TEST_ORIGIN)

    def register_portal(self, *origins: str) -> None:
        """Register the portal at these origins with both providers: redirect and post-logout URIs (exact match)."""
        for provider_id, client_id in CLIENT_IDS.items():
            client = self.state["clients"].setdefault(
                client_id,
                {
                    "client_id": client_id,
                    "client_secret": SECRET,
                    "token_endpoint_auth_method": "client_secret_post",
                    "grant_types": ["authorization_code"],
                    "response_types": ["code"],
                    "redirect_uris": [],
                    "post_logout_redirect_uris": [],
                },
            )
            if provider_id == "proconnect":
                client["userinfo_signed_response_alg"] = "RS256"  # ProConnect answers userinfo with a JWT
            for origin in origins:
                client["redirect_uris"].append(origin + CALLBACK.format(provider_id=provider_id))
                client["post_logout_redirect_uris"].append(origin + "/")
        self._write()

    def add_agent(self, login: str, *, email: str, mfa: bool = False, **claims) -> None:
        """A ProConnect person (an agent): the claims ProConnect sends, ``amr``/``acr`` of a login with or without
        a second factor."""
        self.add_account(
            login,
            claims={
                "email": email,
                "given_name": "Camille",
                "usual_name": "Martin",
                "uid": f"uid-{login}",
                "siret": "13002526500013",
                "idp_id": "fia1v2",
                "idp_acr": "eidas2" if mfa else "eidas1",
                **claims,
            },
            amr=["pwd", "totp", "mfa"] if mfa else ["pwd"],
            acr="eidas2" if mfa else "eidas1",
        )

    def add_professional(self, login: str, *, rpps: str, **claims) -> None:
        """A Pro Santé Connect person: national identifier « 8 » + RPPS, as PSC sends it."""
        self.add_account(
            login,
            sub=f"f:550dc1c8-d97b-4b1e-ac8c-8eb4471cf9dd:8{rpps}",
            claims={
                "SubjectNameID": f"8{rpps}",
                "preferred_username": f"8{rpps}",
                "given_name": "Jeanne",
                "family_name": "Durand",
                "otherIds": [{"identifiant": rpps, "origine": "RPPS", "qualite": 1}],
                "SubjectRefPro": {"codeCivilite": "MME", "exercices": [{"codeProfession": "60"}]},
                **claims,
            },
            amr=["pwd"],
            acr="eidas1",
        )

    def add_account(self, login: str, *, claims: dict, amr: list, acr: str, sub: str | None = None, **extra):
        self.state["accounts"][login] = {"sub": sub or f"sub-{login}", "claims": claims, "amr": amr, "acr": acr}
        self.state["accounts"][login].update(extra)
        self._write()

    def socialaccount_providers(self, *, server_url: str | None = None, **app_overrides) -> dict:
        """``SOCIALACCOUNT_PROVIDERS`` as production builds it from PROCONNECT_* / PRO_SANTE_CONNECT_*."""
        from django.conf import settings

        from config.settings.base import OIDC_PROVIDER_SETTINGS

        providers = deepcopy(settings.SOCIALACCOUNT_PROVIDERS)
        providers["openid_connect"]["APPS"] = [
            {
                "provider_id": provider_id,
                "name": name,
                "client_id": CLIENT_IDS[provider_id],
                "secret": SECRET,
                "settings": {
                    "server_url": server_url or self.issuer,
                    "token_auth_method": "client_secret_post",
                    **OIDC_PROVIDER_SETTINGS[provider_id],
                    **app_overrides,
                },
            }
            for provider_id, name in (("proconnect", "ProConnect"), ("prosanteconnect", "Pro Santé Connect"))
        ]
        return providers


class ProviderSession:
    """The person's browser at the provider (cookies of the provider's session), for Django test client tests:
    follows the provider's redirects, fills its login form, and stops at the redirect back to the portal."""

    def __init__(self, provider: OidcProvider):
        self.provider = provider
        self.http = requests.Session()

    def authorize(self, url: str, login: str | None) -> str:
        """From the authorization URL to the portal's callback URL (with ``code`` and ``state``)."""
        for _ in range(10):
            if not url.startswith(self.provider.issuer):
                return url
            response = self.http.get(url, allow_redirects=False, timeout=10)
            if response.is_redirect:
                url = requests.compat.urljoin(url, response.headers["Location"])
                continue
            assert response.status_code == 200, response.text
            assert login is not None, "le fournisseur demande qui se connecte"
            action = url.rstrip("/") + "/login"
            response = self.http.post(action, data={"login": login}, allow_redirects=False, timeout=10)
            assert response.is_redirect, response.text
            url = requests.compat.urljoin(action, response.headers["Location"])
        raise AssertionError("trop de redirections chez le fournisseur")

    def end_session(self, url: str) -> str:
        """Confirm the provider's logout page; returns where the provider sends the browser back."""
        response = self.http.get(url, allow_redirects=False, timeout=10)
        assert response.status_code == 200, response.text
        form = response.text
        action = form.split('action="', 1)[1].split('"', 1)[0]
        xsrf = form.split('name="xsrf" value="', 1)[1].split('"', 1)[0]
        response = self.http.post(
            requests.compat.urljoin(url, action), data={"xsrf": xsrf, "logout": "yes"}, allow_redirects=False
        )
        assert response.is_redirect, response.text
        return requests.compat.urljoin(url, response.headers["Location"])

    def has_session(self) -> bool:
        """Whether the provider still knows this browser (its session cookie is set and not expired)."""
        return any(cookie.name == "_session" and not cookie.is_expired() for cookie in self.http.cookies)


def portal_path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def wait_until_expired(seconds: float) -> None:
    """The provider counts lifetimes in whole seconds: wait them out (a code of 1 s is dead after 2)."""
    time.sleep(seconds)
