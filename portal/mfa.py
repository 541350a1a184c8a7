"""The second factor: who must use one, whether this session did, and the mailbox proof before a first enrollment.

One policy for every door (portal login, technical admin, API tokens): an account that must use TOTP reaches a page
only once *this session* recorded a TOTP (or recovery code) authentication — allauth writes one record per method
used (``get_authentication_records``). Owning an authenticator is not enough: a session opened by a password alone
is sent to type its code.

A first enrollment needs a fresh proof that the mailbox owner is present (a one-time code sent by e-mail, short-lived,
single use, rate limited), so knowing the password is not enough to bind one's own phone to somebody's account.
"""

import secrets
import smtplib
import time

from allauth.account.authentication import get_authentication_records
from allauth.core import ratelimit
from allauth.mfa.models import Authenticator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils.crypto import constant_time_compare, salted_hmac

from portal.access import get_scope
from portal.errors import ApplicationError

ENROLLMENT_CODE_SECONDS = 10 * 60
ENROLLMENT_CODE_ATTEMPTS = 5
ENROLLMENT_PROOF_SECONDS = 15 * 60
# Sending codes is limited per account by allauth's limiter (settings.ACCOUNT_RATE_LIMITS), in the cache.
ENROLLMENT_RATE_LIMIT_ACTION = "portal_enrollment_code"
_SESSION_CODE = "portal_enrollment_code"
_SESSION_PROOF = "portal_enrollment_proof"


def mfa_required_for(user) -> bool:
    """TOTP is mandatory for every ARS role, the platform superadmin and any account that may open the admin."""
    if user is None or not user.is_authenticated:
        return False
    return user.is_staff or get_scope(user).is_agency_user


def has_totp(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def session_used_second_factor(request) -> bool:
    """Whether this session's authentication used an authenticator (TOTP or a recovery code), at login or since."""
    return any(record.get("method") == "mfa" for record in get_authentication_records(request, request.user))


# First enrollment: proof of the mailbox ----------------------------------------------------------------------------


def _digest(user, code: str) -> str:
    return salted_hmac("portal.mfa.enrollment", f"{user.pk}:{code}").hexdigest()


def enrollment_code_pending(request) -> bool:
    pending = request.session.get(_SESSION_CODE)
    return bool(pending) and pending["user"] == request.user.pk and pending["expires"] > time.time()


def enrollment_code_send(*, request) -> None:
    """E-mail a new one-time code to the account's address; it replaces any earlier code of the session."""
    user = request.user
    if not ratelimit.consume(request, action=ENROLLMENT_RATE_LIMIT_ACTION, user=user):
        raise ApplicationError("Trop de codes demandés : attendez quelques minutes avant d'en demander un autre.")
    code = f"{secrets.randbelow(10**6):06d}"
    request.session[_SESSION_CODE] = {
        "user": user.pk,
        "digest": _digest(user, code),
        "expires": time.time() + ENROLLMENT_CODE_SECONDS,
        "attempts": 0,
    }
    context = {"user": user, "code": code, "minutes": ENROLLMENT_CODE_SECONDS // 60}
    try:
        send_mail(
            subject="[Portail protocoles] Code d'activation de la double authentification",
            message=render_to_string("portal/emails/enrollment_code.txt", context),
            from_email=None,
            recipient_list=[user.email],
        )
    except (OSError, smtplib.SMTPException) as error:
        request.session.pop(_SESSION_CODE, None)
        raise ApplicationError("Le courriel n'a pas pu partir : réessayez dans quelques minutes.") from error


def enrollment_code_verify(*, request, code: str) -> None:
    """Check the code typed against the one sent; a right code is used up and opens the enrollment for a while."""
    user = request.user
    pending = request.session.get(_SESSION_CODE)
    if not pending or pending["user"] != user.pk or pending["expires"] <= time.time():
        request.session.pop(_SESSION_CODE, None)
        raise ApplicationError("Ce code n'est plus valable : demandez-en un nouveau.", field="code")
    if not constant_time_compare(pending["digest"], _digest(user, code.strip())):
        pending["attempts"] += 1
        if pending["attempts"] >= ENROLLMENT_CODE_ATTEMPTS:
            request.session.pop(_SESSION_CODE, None)
            raise ApplicationError("Trop d'essais : ce code est annulé, demandez-en un nouveau.", field="code")
        request.session[_SESSION_CODE] = pending
        raise ApplicationError("Code incorrect : vérifiez le dernier courriel reçu.", field="code")
    request.session.pop(_SESSION_CODE)
    request.session[_SESSION_PROOF] = {"user": user.pk, "at": time.time()}


def enrollment_proof_is_fresh(request) -> bool:
    proof = request.session.get(_SESSION_PROOF)
    return bool(proof) and proof["user"] == request.user.pk and time.time() - proof["at"] < ENROLLMENT_PROOF_SECONDS


def enrollment_proof_consume(request) -> None:
    request.session.pop(_SESSION_PROOF, None)
