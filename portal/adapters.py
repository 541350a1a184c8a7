from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.shortcuts import resolve_url

from portal.mfa import mfa_required_for
from portal.ratelimit import client_ip


class AccountAdapter(DefaultAccountAdapter):
    """Anyone may create an account; roles come only from accepted invitations."""

    def send_mail(self, template_prefix, email, context):
        context.setdefault("site_url", settings.SITE_URL)
        return super().send_mail(template_prefix, email, context)

    def get_client_ip(self, request) -> str:
        # The per-IP login limits count the same address as the API (TRUSTED_PROXY_COUNT decides X-Forwarded-For).
        return client_ip(request)

    def get_login_stages(self) -> list[str]:
        # allauth's TOTP step, skipped when ProConnect / PSC asserted a multi-factor login (portal.federation).
        return [
            "portal.federation.client.FederatedAuthenticateStage"
            if stage == "allauth.mfa.stages.AuthenticateStage"
            else stage
            for stage in super().get_login_stages()
        ]

    def get_logout_redirect_url(self, request) -> str:
        # Read before the session ends: after a ProConnect / PSC login, the provider's session ends too
        # (RP-initiated logout), and the provider sends the browser back here.
        from portal.federation.client import end_session_url

        default = resolve_url(super().get_logout_redirect_url(request))
        return end_session_url(request, request.build_absolute_uri(default)) or default


class MFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        # TOTP is mandatory for ARS roles: they may regenerate recovery codes, never drop the authenticator.
        if authenticator.type == Authenticator.Type.TOTP and mfa_required_for(authenticator.user):
            return False
        return super().can_delete_authenticator(authenticator)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """ProConnect / Pro Santé Connect open existing accounts only (portal.federation.linking); they grant no role."""

    def is_open_for_signup(self, request, sociallogin) -> bool:
        return False  # never reached for our providers: the linking refuses an unknown person first

    def authenticate_by_email(self, sociallogin):
        # allauth's own e-mail matching (and its password wipe) is replaced by portal.federation.linking.
        return None

    def pre_social_login(self, request, sociallogin) -> None:
        from portal.federation.linking import federated_login_link

        federated_login_link(request=request, sociallogin=sociallogin)

    def on_authentication_error(self, request, provider, error=None, exception=None, extra_context=None) -> None:
        from portal.federation.errors import reason_of, refuse

        reason = reason_of(error, exception, extra_context or {})
        detail = f"{type(exception).__name__}: {exception}" if exception else str(error or "")
        raise refuse(request, provider_id=getattr(provider, "sub_id", "") or "", reason=reason, detail=detail)
