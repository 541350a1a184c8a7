from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings

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


class MFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        # TOTP is mandatory for ARS roles: they may regenerate recovery codes, never drop the authenticator.
        if authenticator.type == Authenticator.Type.TOTP and mfa_required_for(authenticator.user):
            return False
        return super().can_delete_authenticator(authenticator)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """ProConnect / Pro Santé Connect log in existing accounts by verified e-mail; they grant no role."""
