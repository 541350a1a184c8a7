import logging
from urllib.parse import urlencode

from django.shortcuts import redirect, render
from django.urls import resolve, reverse
from django.urls.exceptions import Resolver404
from django_htmx.http import HttpResponseClientRedirect

from portal.mfa import has_totp, mfa_required_for, session_used_second_factor

logger = logging.getLogger(__name__)

# What an account that must use a second factor may open before this session used one.
ALWAYS_OPEN = frozenset({"account_logout", "account_login", "healthz", "ping"})
# Without an authenticator yet: prove the mailbox, confirm the password, set up TOTP.
OPEN_BEFORE_ENROLLMENT = ALWAYS_OPEN | {"portal:totp_enrollment", "account_reauthenticate", "mfa_activate_totp"}
# With an authenticator, in a session opened without it (e.g. a password typed somewhere else): type the code.
OPEN_BEFORE_VERIFICATION = ALWAYS_OPEN | {"mfa_reauthenticate"}


class MfaRequiredMiddleware:
    """TOTP is mandatory for every ARS role, the superadmin and staff (``portal.mfa.mfa_required_for``).

    The session must have *used* the second factor (allauth's authentication records), whatever door it came in
    through. Without an authenticator the user is sent to enroll one (after a mailbox proof); with one, to type its
    code. The check reads the session only: no query once the second factor was used.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(("/static/", "/api/"))
            and not session_used_second_factor(request)
            and mfa_required_for(user)
        ):
            if has_totp(user):
                if not self._is_open(request.path_info, OPEN_BEFORE_VERIFICATION):
                    target = f"{reverse('mfa_reauthenticate')}?{urlencode({'next': request.get_full_path()})}"
                    return self._redirect(request, target)
            elif not self._is_open(request.path_info, OPEN_BEFORE_ENROLLMENT):
                return self._redirect(request, reverse("portal:totp_enrollment"))
        return self.get_response(request)

    @staticmethod
    def _redirect(request, url):
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(url)
        return redirect(url)

    @staticmethod
    def _is_open(path: str, names: frozenset[str]) -> bool:
        try:
            match = resolve(path)
        except Resolver404:
            return True
        return match.view_name in names


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
