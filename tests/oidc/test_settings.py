"""The three variables of each provider configure what the tests exercise (tests/oidc/fixture.py copies it)."""

import json

from tests.test_deploy_settings import _manage, _production_env

PRINT = (
    "from django.conf import settings; import json; "
    "print(json.dumps({'apps': settings.SOCIALACCOUNT_PROVIDERS['openid_connect'], "
    "'form_action': settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action']}))"
)


def test_production_variables_give_the_portal_checks_and_let_the_login_forms_lead_to_the_providers():
    env = _production_env(
        PROCONNECT_CLIENT_ID="id-pc",
        PROCONNECT_CLIENT_SECRET="secret-pc",
        PROCONNECT_SERVER_URL="https://auth.agentconnect.gouv.fr/api/v2",
        PRO_SANTE_CONNECT_CLIENT_ID="id-psc",
        PRO_SANTE_CONNECT_CLIENT_SECRET="secret-psc",
        PRO_SANTE_CONNECT_SERVER_URL="https://auth.esw.esante.gouv.fr/auth/realms/esante-wallet",
    )
    result = _manage("shell", "-c", PRINT, env=env)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["apps"]["provider_class"] == "portal.federation.client.PortalOIDCProvider"
    assert found["apps"]["OAUTH_PKCE_ENABLED"] is True
    apps = {app["provider_id"]: app for app in found["apps"]["APPS"]}
    assert "usual_name" in apps["proconnect"]["settings"]["scope"]
    assert apps["prosanteconnect"]["settings"]["scope"] == ["openid", "scope_all"]
    # Chromium applies form-action to the redirect after the ProConnect / PSC button and after the logout form.
    assert found["form_action"] == ["'self'", "https://auth.agentconnect.gouv.fr", "https://auth.esw.esante.gouv.fr"]


def test_without_the_variables_no_provider_and_forms_stay_on_the_portal():
    result = _manage("shell", "-c", PRINT, env=_production_env())
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["apps"]["APPS"] == []
    assert found["form_action"] == ["'self'"]
