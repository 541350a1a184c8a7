"""Who is the client, and how often it came: the address every per-IP limit counts, and a fixed-window counter.

The login (allauth, through ``portal.adapters.AccountAdapter.get_client_ip``) and the API read the client's address
here, so one setting, ``TRUSTED_PROXY_COUNT``, decides for both whether ``X-Forwarded-For`` is believed.
"""

import ipaddress

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone


def _clean(value: str) -> str | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.7:51234"
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request) -> str:
    """The client's address: ``TRUSTED_PROXY_COUNT`` entries from the right of ``X-Forwarded-For`` (each of our
    proxies appends the address it received the request from), else the TCP peer.

    Entries left of that position were written by the client and are never read. A header shorter than the number
    of proxies means the request skipped the outer ones: its leftmost entry was written by one of ours.
    """
    trusted = settings.TRUSTED_PROXY_COUNT
    forwarded = request.headers.get("x-forwarded-for", "")
    if trusted and forwarded:
        hops = [hop for hop in forwarded.split(",") if hop.strip()]
        if hops:
            address = _clean(hops[-trusted] if len(hops) >= trusted else hops[0])
            if address:
                return address
    return _clean(request.META.get("REMOTE_ADDR", "")) or "0.0.0.0"  # noqa: S104 (a key, not a bind address)


def window_hit(key: str, limit: int, *, window: int = 60) -> int | None:
    """Count one hit of ``key`` in the current window of ``window`` seconds (Redis in production).

    Returns None while at most ``limit`` hits were counted, else the seconds until the window ends (Retry-After).
    """
    now = timezone.now().timestamp()
    cache_key = f"rate:{key}:{int(now // window)}"
    cache.add(cache_key, 0, timeout=window * 2)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # the key expired between add and incr
        cache.set(cache_key, 1, timeout=window * 2)
        count = 1
    if count > limit:
        return window - int(now) % window or 1
    return None


def window_blocked(key: str, limit: int, *, window: int = 60) -> int | None:
    """Like ``window_hit`` without counting: the seconds to wait if ``key`` already used its ``limit``."""
    now = timezone.now().timestamp()
    if (cache.get(f"rate:{key}:{int(now // window)}") or 0) >= limit:
        return window - int(now) % window or 1
    return None
