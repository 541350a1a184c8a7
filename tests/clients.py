"""The test client of the portal: ``force_login`` leaves the session a real login would.

A user who owns a TOTP authenticator logs in with password *and* code, and allauth records both in the session; the
portal's MFA middleware then reads that record (``portal.mfa.session_used_second_factor``). ``force_login`` skips
the forms, so it records the authenticator's use the way allauth's TOTP step does (``post_authentication``). A
password-only login (``client.login``, or the login form without the code) records nothing of the kind.
"""

from allauth.mfa.base.internal.flows import post_authentication
from allauth.mfa.models import Authenticator
from django.http import HttpRequest
from django.test import Client


def record_second_factor(session, user) -> bool:
    """Record in ``session`` that ``user`` typed the code of his TOTP authenticator; False if he has none."""
    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if authenticator is None:
        return False
    request = HttpRequest()
    request.session = session
    request.user = user
    post_authentication(request, authenticator)
    session.save()
    return True


class PortalClient(Client):
    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        record_second_factor(self.session, user)


def totp_code(secret: str | None = None) -> str:
    """The TOTP code of the current 30-second window (the demo secret by default); waits for the next window when
    this one is about to end, so the server checks the code within the window it belongs to."""
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
    from django.conf import settings

    if time.time() % 30 > 28:
        time.sleep(30 - time.time() % 30 + 0.1)
    return format_hotp_value(hotp_value(secret or settings.DEMO_TOTP_SECRET, int(time.time()) // 30))
