"""Which account a federated login opens. A login never creates an account, a professional identity or a role.

- ProConnect (agents): the account whose e-mail is the verified address ProConnect sends. ``email_verified: false``
  refuses; ProConnect does not send the claim at all (its identity providers vouch for the address), so an absent
  claim is taken as verified — the portal's proposal, docs/decisions.md. A first link also needs, on the portal's
  side:
  - the account's own address confirmed (allauth's ``EmailAddress.verified``): sign-up is open, so an unconfirmed
    account may have been registered in advance by someone else, with a password he knows;
  - no ProConnect link yet: a second ProConnect identity never takes over an account already linked;
  - for an account held to TOTP (ARS roles, staff): a session already opened with password and TOTP, linking from
    « Mon compte » (allauth's ``connect`` process), never a cold login — else a ProConnect login without a checked
    second factor would bind itself to an account the portal protects with one.
- Pro Santé Connect (professionals): the account of the professional whose RPPS is the one PSC sends, never another;
  the e-mail PSC may send is ignored. The first PSC login lands on « Mon compte », which lists the invitations
  waiting for that professional. A first link also needs: no PSC link yet on the account; and, for an account held
  to TOTP (a professional who also holds an ARS role, staff), the same rule as ProConnect: from « Mon compte » in a
  session opened with password and TOTP, never a cold login.

Once linked (a ``SocialAccount`` with the provider's ``sub``), later logins find the account by ``sub``; PSC checks
again that its RPPS is still the professional's.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from allauth.socialaccount.providers.base import AuthProcess
from django.urls import reverse

from portal.federation.client import PRO_SANTE_CONNECT, PROCONNECT, claims_of, psc_rpps
from portal.federation.errors import audit, refuse
from portal.mfa import mfa_required_for, session_used_second_factor
from portal.models import FederatedLoginEvent, Professional, User


def _email_verified(claims: dict) -> bool:
    verified = claims.get("email_verified", True)
    if isinstance(verified, str):  # some providers send "true" / "false"
        return verified.strip().lower() == "true"
    return bool(verified)


def _proconnect_user(request, sociallogin, claims: dict) -> User:
    email = (claims.get("email") or "").strip().lower()
    identity = {"subject": claims.get("sub"), "email": email}
    if not email:
        raise refuse(request, provider_id=PROCONNECT, reason="email_missing", **identity)
    if not _email_verified(claims):
        raise refuse(request, provider_id=PROCONNECT, reason="email_not_verified", **identity)
    if sociallogin.is_existing:
        return sociallogin.user
    connecting = _is_connect(sociallogin)
    if connecting:
        # « Mon compte » › « Relier mon identité ProConnect »: the identity must carry the account's own address.
        user = request.user if request.user.is_authenticated else None
        if user is None:
            raise refuse(request, provider_id=PROCONNECT, reason="link_needs_mfa_session", **identity)
        if user.email.strip().lower() != email:
            raise refuse(request, provider_id=PROCONNECT, reason="email_mismatch", user=user, **identity)
    else:
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise refuse(request, provider_id=PROCONNECT, reason="unknown_email", **identity)
    if not EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists():
        raise refuse(request, provider_id=PROCONNECT, reason="email_not_confirmed", user=user, **identity)
    if SocialAccount.objects.filter(user=user, provider=PROCONNECT).exists():
        raise refuse(request, provider_id=PROCONNECT, reason="already_linked", user=user, **identity)
    if mfa_required_for(user) and not (connecting and session_used_second_factor(request)):
        raise refuse(request, provider_id=PROCONNECT, reason="link_needs_mfa_session", user=user, **identity)
    return user


def _is_connect(sociallogin) -> bool:
    """Whether the login was started from a session, to link the identity to its account (allauth's process)."""
    return sociallogin.state.get("process") == AuthProcess.CONNECT


def _psc_user(request, sociallogin, claims: dict) -> User:
    rpps = psc_rpps(claims)
    identity = {"subject": claims.get("sub"), "rpps": rpps or ""}
    if rpps is None:
        raise refuse(request, provider_id=PRO_SANTE_CONNECT, reason="no_rpps", **identity)
    professional = Professional.objects.filter(rpps=rpps).select_related("user").first()
    if sociallogin.is_existing:
        if professional is None or professional.user_id != sociallogin.user.pk:
            raise refuse(
                request, provider_id=PRO_SANTE_CONNECT, reason="rpps_mismatch", user=sociallogin.user, **identity
            )
        return sociallogin.user
    if professional is None:
        raise refuse(request, provider_id=PRO_SANTE_CONNECT, reason="unknown_rpps", **identity)
    user = professional.user
    connecting = _is_connect(sociallogin)
    if connecting and user.pk != request.user.pk:
        # Linked from a session (allauth's ``connect``): the identity goes to the session's account, so its RPPS must
        # be that account's, as for a login.
        raise refuse(request, provider_id=PRO_SANTE_CONNECT, reason="rpps_other_account", **identity)
    if SocialAccount.objects.filter(user=user, provider=PRO_SANTE_CONNECT).exists():
        raise refuse(request, provider_id=PRO_SANTE_CONNECT, reason="already_linked", user=user, **identity)
    if mfa_required_for(user) and not (connecting and session_used_second_factor(request)):
        # A professional who also holds an ARS role (a doctor on the selection committee) or a staff account: PSC
        # binds itself only from a session that already checked the portal's TOTP, as ProConnect does.
        raise refuse(request, provider_id=PRO_SANTE_CONNECT, reason="link_needs_mfa_session", user=user, **identity)
    return user


def federated_login_link(*, request, sociallogin) -> None:
    """Called before allauth logs anyone in (``SocialAccountAdapter.pre_social_login``): pick the account, or end
    the login with a refusal page (``ImmediateHttpResponse``)."""
    provider_id = sociallogin.account.provider
    if provider_id not in (PROCONNECT, PRO_SANTE_CONNECT):
        return
    claims = claims_of(sociallogin)
    user = (_proconnect_user if provider_id == PROCONNECT else _psc_user)(request, sociallogin, claims)
    if not user.is_active:
        raise refuse(request, provider_id=provider_id, reason="inactive", subject=claims.get("sub"), user=user)
    if sociallogin.is_existing:
        return
    _fill_names(user, claims)
    if _is_connect(sociallogin):
        # allauth links the identity to the session's account itself (``do_connect``), then comes back here.
        sociallogin.state["next"] = sociallogin.state.get("next") or reverse("portal:account")
    else:
        sociallogin.connect(request, user)
    audit(
        request,
        provider_id=provider_id,
        outcome=FederatedLoginEvent.Outcome.LINKED,
        subject=claims.get("sub"),
        email=claims.get("email") if provider_id == PROCONNECT else "",
        rpps=psc_rpps(claims) if provider_id == PRO_SANTE_CONNECT else "",
        user=user,
    )
    if provider_id == PRO_SANTE_CONNECT:
        # First PSC login: « Mon compte » lists the invitations waiting for this professional.
        sociallogin.state["next"] = reverse("portal:account")


def _fill_names(user: User, claims: dict) -> None:
    """The names the provider sends fill the account's when empty; a name the person typed is kept."""
    given = (claims.get("given_name") or "").strip()[:150]
    family = (claims.get("usual_name") or claims.get("family_name") or "").strip()[:150]
    changed = []
    if given and not user.first_name:
        user.first_name = given
        changed.append("first_name")
    if family and not user.last_name:
        user.last_name = family
        changed.append("last_name")
    if changed:
        user.save(update_fields=changed)
