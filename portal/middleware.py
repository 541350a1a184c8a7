import logging

from django.shortcuts import redirect, render
from django.urls import resolve
from django.urls.exceptions import Resolver404

from portal.access import get_scope

logger = logging.getLogger(__name__)

# Pages an ARS user without TOTP may still reach: login/logout, the MFA set-up itself, and technical endpoints.
MFA_EXEMPT_NAMESPACES = {"mfa"}
MFA_EXEMPT_URL_NAMES = {
    "account_logout",
    "account_login",
    "account_reset_password",
    "account_reauthenticate",
    "account_confirm_email",
    "mfa_activate_totp",
    "mfa_index",
    "mfa_authenticate",
    "mfa_reauthenticate",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes",
    "healthz",
    "ping",
}
SESSION_MFA_OK = "portal_mfa_ok"


def user_has_totp(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class MfaRequiredMiddleware:
    """TOTP is mandatory for every ARS role (and the platform superadmin).

    An ARS user without an authenticator is sent to set one up before any other page. Once seen, the check is
    remembered in the session: ARS users cannot remove their authenticator (see ``portal.adapters``).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.session.get(SESSION_MFA_OK)
            and get_scope(user).is_agency_user
            and not request.path.startswith(("/static/", "/api/"))
        ):
            if user_has_totp(user):
                request.session[SESSION_MFA_OK] = True
            elif not self._is_exempt(request.path_info):
                return redirect("mfa_activate_totp")
        return self.get_response(request)

    @staticmethod
    def _is_exempt(path: str) -> bool:
        try:
            match = resolve(path)
        except Resolver404:
            return True
        return match.url_name in MFA_EXEMPT_URL_NAMES or bool(set(match.namespaces) & MFA_EXEMPT_NAMESPACES)


def _unavailable_exceptions():
    from django.db import InterfaceError, OperationalError
    from kombu.exceptions import OperationalError as BrokerError
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    return (BrokerError, RedisConnectionError, RedisTimeoutError, OperationalError, InterfaceError)


class ServiceUnavailableMiddleware:
    """A backing service down (database, Redis, broker) gives a clear 503 page, never a bare 500.

    The request's transaction is rolled back by ATOMIC_REQUESTS before this runs, so nothing is half-saved.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.exceptions = _unavailable_exceptions()

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from portal.jobs import JobNotSent
        from portal.pdf import PdfUnavailable

        if isinstance(exception, JobNotSent):
            # The request's writes are committed (the job row exists); only its hand-over to the worker failed.
            logger.error("File d'attente indisponible pendant %s %s : %s", request.method, request.path, exception)
            return render(request, "503.html", status=503, context={"reason": "queued"})
        if isinstance(exception, PdfUnavailable):
            logger.error("PDF impossible pendant %s %s : %s", request.method, request.path, exception)
            return render(request, "503.html", status=503, context={"reason": "pdf"})
        if isinstance(exception, self.exceptions):
            logger.error("Service indisponible pendant %s %s : %r", request.method, request.path, exception)
            return render(request, "503.html", status=503, context={"unavailable": True})
        return None
