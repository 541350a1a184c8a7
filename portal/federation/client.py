"""ProConnect (agents) and Pro Santé Connect (health professionals): the OpenID Connect client of the portal.

allauth's generic OpenID Connect provider is the base; what it leaves out, the portal adds here, because the
portal's accounts carry ARS roles:

- a ``nonce`` is sent and checked in the ID token (allauth sends none);
- the ID token's signature is always verified against the provider's published keys (allauth skips the check when
  the token came straight from the token endpoint over TLS; the portal does not rely on the transport alone);
- ProConnect's userinfo answer is a signed JWT (``application/jwt``), verified the same way; its ``sub`` must be the
  ID token's;
- the raw ID token is kept in the session, for the RP-initiated logout (``id_token_hint``);
- a provider that asserts a multi-factor login (``amr`` containing ``mfa``, or one of the ``acr`` values ProConnect
  uses for it) counts as the second factor of ``portal.mfa``; allauth's own TOTP step is then skipped.

Linking rules (which account a login opens): ``portal.federation.linking``; failures: ``portal.federation.errors``.
Setup, claims and what the tests prove: ``docs/federation.md``.
"""

from __future__ import annotations

import logging
import secrets
from urllib.parse import urlencode

import jwt
import requests
from allauth.account.internal.flows.login import record_authentication
from allauth.account.signals import user_logged_in
from allauth.mfa.stages import AuthenticateStage
from allauth.socialaccount.helpers import render_authentication_error
from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.dispatch import receiver
from django.http import Http404

from portal.validators import normalize_identifier

logger = logging.getLogger(__name__)

PROCONNECT = "proconnect"
PRO_SANTE_CONNECT = "prosanteconnect"
# ProConnect's levels that include a second factor (its documentation, « Forcer la double authentification »).
# ``…/self-asserted-2fa`` is left out: the second factor is the person's own claim, not checked by the identity
# provider, and the accounts this dispenses from TOTP carry ARS roles (docs/security.md).
MFA_ACR_VALUES = frozenset(
    {
        "eidas2",
        "eidas3",
        "https://proconnect.gouv.fr/assurance/consistency-checked-2fa",
    }
)
SESSION_KEY = "portal_federation"


class FederationError(OAuth2Error):
    """A check of the portal on the provider's answer failed; ``code`` names which (shown in the audit line)."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code


# Claims ------------------------------------------------------------------------------------------------------------


def claims_of(sociallogin) -> dict:
    """The ID token's claims completed by userinfo's (userinfo wins on a conflict: it is the richer answer)."""
    data = sociallogin.account.extra_data or {}
    return {**(data.get("id_token") or {}), **(data.get("userinfo") or {})}


def id_token_of(sociallogin) -> dict:
    return (sociallogin.account.extra_data or {}).get("id_token") or {}


def asserted_mfa(id_token: dict) -> bool:
    """Whether the ID token (the authentication claims live there, never in userinfo) asserts several factors."""
    amr = id_token.get("amr") or []
    if isinstance(amr, str):
        amr = [amr]
    return "mfa" in amr or id_token.get("acr") in MFA_ACR_VALUES


def psc_rpps(claims: dict) -> str | None:
    """The RPPS of a Pro Santé Connect login: its national identifier ``SubjectNameID`` is « 8 » followed by the
    RPPS; failing that, the RPPS entry of ``otherIds``. None when the person has no RPPS (ADELI only, for instance)."""
    national_id = normalize_identifier(str(claims.get("SubjectNameID") or claims.get("preferred_username") or ""))
    if len(national_id) == 12 and national_id.startswith("8") and national_id.isdigit():
        return national_id[1:]
    for other in claims.get("otherIds") or []:
        if isinstance(other, dict) and str(other.get("origine", "")).upper() == "RPPS":
            rpps = normalize_identifier(str(other.get("identifiant", "")))
            if len(rpps) == 11 and rpps.isdigit():
                return rpps
    return None


# Provider and adapter ----------------------------------------------------------------------------------------------


class PortalOIDCAdapter(OpenIDConnectOAuth2Adapter):
    """Token exchange and claims, with the checks allauth leaves out (see the module's docstring)."""

    state: dict | None = None  # set by the callback view before the code is exchanged

    def complete_login(self, request, app, token, **kwargs):
        raw_id_token = kwargs["response"].get("id_token")
        if not raw_id_token:
            raise FederationError("id_token_missing")
        id_token = self._verified(app, raw_id_token)
        expected_nonce = (self.state or {}).get("nonce")
        if not expected_nonce or not secrets.compare_digest(str(id_token.get("nonce", "")), expected_nonce):
            raise FederationError("nonce_mismatch")
        userinfo = self._userinfo(app, token.token)
        if userinfo.get("sub") != id_token.get("sub"):
            raise FederationError("userinfo_subject_mismatch")
        if self.state is not None:
            self.state["id_token_hint"] = raw_id_token
        return self.get_provider().sociallogin_from_response(request, {"id_token": id_token, "userinfo": userinfo})

    def _verified(self, app, credential: str) -> dict:
        try:
            return jwtkit.verify_and_decode(
                credential=credential,
                keys_url=self.openid_config["jwks_uri"],
                issuer=self.openid_config["issuer"],
                audience=app.client_id,
                lookup_kid=jwtkit.lookup_kid_jwk,
                verify_signature=True,
            )
        except OAuth2Error as error:
            raise FederationError("invalid_signature_or_claims", str(error.__cause__ or error)) from error
        except (KeyError, TypeError, ValueError, jwt.PyJWTError) as error:  # e.g. an HS256 header against an RSA key
            raise FederationError("invalid_token", f"{type(error).__name__}: {error}") from error

    def _userinfo(self, app, access_token: str) -> dict:
        from allauth.socialaccount.adapter import get_adapter

        with get_adapter().get_requests_session() as session:
            response = session.get(self.profile_url, headers={"Authorization": f"Bearer {access_token}"})
            response.raise_for_status()
        if response.headers.get("Content-Type", "").split(";")[0].strip() == "application/jwt":
            return self._verified(app, response.text.strip())
        return response.json()


class PortalOIDCProvider(OpenIDConnectProvider):
    """allauth's OpenID Connect provider, with a nonce and a clear failure when the provider cannot be reached."""

    oauth2_adapter_class = PortalOIDCAdapter
    package = "allauth.socialaccount.providers.openid_connect"  # its URLs are allauth's (callback: ours, first)

    def redirect(self, request, process, next_url=None, data=None, **kwargs):
        nonce = secrets.token_urlsafe(24)
        auth_params = kwargs.pop("auth_params", None)
        if auth_params is None:
            auth_params = self.get_auth_params()
        auth_params["nonce"] = nonce
        try:
            # The discovery document is fetched here (authorization endpoint): a provider down fails now.
            return super().redirect(request, process, next_url, data, auth_params=auth_params, nonce=nonce, **kwargs)
        except requests.RequestException as error:
            return render_authentication_error(request, self, exception=error)

    def extract_common_fields(self, data):
        fields = super().extract_common_fields(data)
        claims = data.get("userinfo") or data.get("id_token") or {}
        # ProConnect names the family name ``usual_name``.
        fields["last_name"] = claims.get("usual_name") or claims.get("family_name")
        return fields

    def extract_email_addresses(self, data):
        # A Pro Santé Connect login is tied to an RPPS, never to an address; ProConnect's address is checked by
        # the adapter (``email_verified``).
        if self.app.provider_id == PRO_SANTE_CONNECT:
            return []
        return super().extract_email_addresses(data)


class PortalOIDCCallbackView(OAuth2CallbackView):
    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except requests.RequestException as error:
            # allauth reads the discovery document (token endpoint) outside of its own error handling.
            return render_authentication_error(request, self.adapter.get_provider(), exception=error)

    def _get_state(self, request, provider):
        state, response = super()._get_state(request, provider)
        self.adapter.state = state
        return state, response


def callback(request, provider_id):
    """The redirect URI registered with the providers: ``/comptes/oidc/<provider_id>/login/callback/``."""
    from allauth.socialaccount.models import SocialApp

    try:
        view = PortalOIDCCallbackView.adapter_view(PortalOIDCAdapter(request, provider_id))
        return view(request)
    except SocialApp.DoesNotExist as error:
        raise Http404("Fournisseur d'identité inconnu.") from error


# The second factor ---------------------------------------------------------------------------------------------


def _federated_login(login) -> tuple[object, dict] | None:
    sociallogin = (login.signal_kwargs or {}).get("sociallogin") if login else None
    if sociallogin is None or sociallogin.account.provider not in (PROCONNECT, PRO_SANTE_CONNECT):
        return None
    return sociallogin, id_token_of(sociallogin)


class FederatedAuthenticateStage(AuthenticateStage):
    """allauth's TOTP step, skipped when the identity provider asserted a multi-factor login."""

    def _should_handle(self, request) -> bool:
        federated = _federated_login(self.login)
        if federated and asserted_mfa(federated[1]):
            return False
        return super()._should_handle(request)


@receiver(user_logged_in, dispatch_uid="portal.federation.logged_in")
def _on_federated_login(sender, request, user, sociallogin=None, **kwargs):
    """Keep what the logout needs, and record the provider's second factor as this session's (``portal.mfa``)."""
    if sociallogin is None or sociallogin.account.provider not in (PROCONNECT, PRO_SANTE_CONNECT):
        return
    id_token = id_token_of(sociallogin)
    request.session[SESSION_KEY] = {
        "provider_id": sociallogin.account.provider,
        "id_token_hint": sociallogin.state.get("id_token_hint", ""),
    }
    if asserted_mfa(id_token):
        record_authentication(
            request,
            user,
            "mfa",
            type="federated",
            provider=sociallogin.account.provider,
            amr=id_token.get("amr"),
            acr=id_token.get("acr"),
        )


def federated_connections(user) -> list[dict]:
    """The providers linked to the account, with what they said that is useful to the person (« Mon compte »)."""
    from allauth.socialaccount.models import SocialAccount

    names = {PROCONNECT: "ProConnect", PRO_SANTE_CONNECT: "Pro Santé Connect"}
    connections = []
    for account in SocialAccount.objects.filter(user=user, provider__in=names).order_by("provider", "pk"):
        claims = {**(account.extra_data.get("id_token") or {}), **(account.extra_data.get("userinfo") or {})}
        if account.provider == PROCONNECT:
            details = f"SIRET {claims['siret']}" if claims.get("siret") else ""
        else:
            rpps = psc_rpps(claims)
            details = f"RPPS {rpps}" if rpps else ""
        connections.append({"name": names[account.provider], "account": account, "details": details})
    return connections


def linkable_providers(request) -> list[dict]:
    """The providers « Mon compte » offers to link: configured, not linked to the account yet, and for Pro Santé
    Connect only when the account's professional has an RPPS (PSC links by RPPS). The first link of an account held
    to TOTP is made from here only (``linking``)."""
    from allauth.socialaccount.adapter import get_adapter
    from allauth.socialaccount.models import SocialAccount

    from portal.models import Professional

    configured = {getattr(provider, "sub_id", provider.id) for provider in get_adapter().list_providers(request)}
    linked = set(SocialAccount.objects.filter(user=request.user).values_list("provider", flat=True))
    offered = []
    if PROCONNECT in configured and PROCONNECT not in linked:
        offered.append({"id": PROCONNECT, "name": "ProConnect", "testid": "relier-proconnect"})
    if (
        PRO_SANTE_CONNECT in configured
        and PRO_SANTE_CONNECT not in linked
        and Professional.objects.filter(user=request.user, rpps__isnull=False).exists()
    ):
        offered.append({"id": PRO_SANTE_CONNECT, "name": "Pro Santé Connect", "testid": "relier-prosanteconnect"})
    return offered


def end_session_url(request, post_logout_redirect_uri: str) -> str | None:
    """Where to send a logging-out user so that the provider's session ends too (RP-initiated logout)."""
    from allauth.socialaccount.adapter import get_adapter

    federation = request.session.get(SESSION_KEY)
    if not federation or not federation.get("id_token_hint"):
        return None
    try:
        provider = get_adapter().get_provider(request, federation["provider_id"])
        endpoint = provider.get_oauth2_adapter(request).openid_config.get("end_session_endpoint")
    except (requests.RequestException, ValueError, LookupError) as error:
        # The provider is down or gone: the portal's session still ends; the provider's will expire on its own.
        logger.warning("Déconnexion du fournisseur impossible (%s) : %s", federation.get("provider_id"), error)
        return None
    if not endpoint:
        return None
    query = urlencode(
        {
            "id_token_hint": federation["id_token_hint"],
            "post_logout_redirect_uri": post_logout_redirect_uri,
            "state": secrets.token_urlsafe(16),
        }
    )
    return f"{endpoint}?{query}"
