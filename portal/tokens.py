"""Personal API tokens: created in the account page or by ``manage.py create_api_token``, shown once, stored as a
SHA-256 hash, scoped exactly like their owner (the API uses the same ``visible_to``), revocable, rate-limited.

ARS tokens need the owner's TOTP to be active: an agent's token stops working if ever the agent has no TOTP.
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from portal.errors import ApplicationError
from portal.mfa import has_totp, mfa_required_for
from portal.models import ApiToken, User
from portal.ratelimit import window_hit

MAX_DAYS = 366
LAST_USED_PRECISION = timedelta(minutes=1)  # write last_used_at at most once a minute per token


def api_token_create(*, user: User, name: str, scope: str, days: int | None = 90) -> tuple[ApiToken, str]:
    """Create a token and return it with its raw key, which is shown once and never stored."""
    name = name.strip()
    if not name:
        raise ApplicationError("Donnez un nom au jeton (ex. « Logiciel du cabinet »).", field="name")
    if scope not in ApiToken.Scope.values:
        raise ApplicationError("Portée inconnue.", field="scope")
    if days is not None and not 1 <= days <= MAX_DAYS:
        raise ApplicationError(f"La durée de validité va de 1 à {MAX_DAYS} jours.", field="days")
    if mfa_required_for(user) and not has_totp(user):
        raise ApplicationError("Activez la double authentification avant de créer un jeton d'API.")
    raw_key = ApiToken.generate_key()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        scope=scope,
        prefix=raw_key[:12],
        key_hash=ApiToken.hash_key(raw_key),
        expires_at=timezone.now() + timedelta(days=days) if days else None,
    )
    return token, raw_key


def api_token_revoke(*, token: ApiToken, by: User) -> ApiToken:
    if token.user_id != by.pk:
        raise ApplicationError("Seul le titulaire d'un jeton peut le révoquer.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_authenticate(raw_key: str) -> ApiToken | None:
    """The usable token of this key, with its user loaded, or None (unknown, expired, revoked, MFA missing)."""
    if not raw_key:
        return None
    token = (
        ApiToken.objects.usable()
        .select_related("user")
        .filter(key_hash=ApiToken.hash_key(raw_key.strip()), user__is_active=True)
        .first()
    )
    if token is None:
        return None
    if mfa_required_for(token.user) and not has_totp(token.user):
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def api_rate_limit(token: ApiToken) -> int | None:
    """Count a request of ``token`` in the current minute (Redis in production).

    Returns None while under the limit, else the number of seconds until the window resets (Retry-After).
    """
    return window_hit(f"api-token:{token.pk}", settings.API_RATE_LIMIT_PER_MINUTE)
