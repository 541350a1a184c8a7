"""Cached dashboard aggregates, invalidated by a per-region *stamp*.

Every cached aggregate's key carries the stamps of the regions it covers. A stamp is a random token kept in Redis
(no expiry); changing it makes every key built with the old one unreachable at once, without listing or deleting
keys. It changes when the funding layer announces ``statements_changed`` (drafts computed, statements issued, a
payment recorded) and when the protocols layer announces ``eligibility_inputs_changed`` (an intervention logged or
imported, a team or training change…), always after the commit, so no reader can cache the state before the change
under the new stamp. A random token rather than a counter: if Redis loses the stamp, a new one never meets an old
entry. Region-wide recomputations that announce nothing (nightly eligibility refresh) are caught by the TTL.
"""

import hashlib
import secrets
from collections.abc import Callable, Iterable

from django.core.cache import cache
from django.db import transaction

TTL = 15 * 60  # seconds; the upper bound of staleness for changes no signal announces
STAMP_KEY = "dashboards:stamp:{}"


def bump(region_ids: Iterable[int]) -> None:
    """New stamps for these regions: their cached aggregates are recomputed at the next read."""
    cache.set_many({STAMP_KEY.format(pk): secrets.token_hex(8) for pk in region_ids}, timeout=None)


def stamps(region_ids: Iterable[int]) -> str:
    """The current stamps of these regions, in one Redis round trip (a missing stamp is created)."""
    region_ids = sorted(set(region_ids))
    keys = [STAMP_KEY.format(pk) for pk in region_ids]
    found = cache.get_many(keys)
    missing = {key: secrets.token_hex(8) for key in keys if key not in found}
    for key, token in missing.items():
        # add(): two readers creating the same stamp at once agree on the first one written.
        if not cache.add(key, token, timeout=None):
            token = cache.get(key) or token
        found[key] = token
    return ".".join(f"{pk}:{found[key]}" for pk, key in zip(region_ids, keys, strict=True))


def cached(name: str, region_ids: Iterable[int], parts: Iterable, compute: Callable[[], object]):
    """``compute()`` once per (name, parts, regions' stamps) within the TTL; ``parts`` must describe the scope and
    the filters completely (the same parts must always mean the same figures)."""
    # The stamps are hashed: the national view covers 18 regions, and a cache key must stay short.
    digest = hashlib.sha256(stamps(region_ids).encode()).hexdigest()[:32]
    key = "dashboards:{}:{}:{}".format(name, ":".join(str(part) for part in parts), digest)
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=TTL)
    return value


def on_statements_changed(sender, region_ids, **kwargs) -> None:
    bump(region_ids)


def on_eligibility_inputs_changed(sender, protocol_id, **kwargs) -> None:
    """Sent inside the protocols service's transaction for interventions: bump once it commits (funding's receiver
    has recomputed the eligibility in that same transaction)."""
    from protocols.models import Protocol

    region_ids = list(Protocol.objects.filter(pk=protocol_id).values_list("structure__region_id", flat=True))
    transaction.on_commit(lambda: bump(region_ids))


def connect() -> None:
    from funding.signals import statements_changed
    from protocols.signals import eligibility_inputs_changed

    statements_changed.connect(on_statements_changed, dispatch_uid="reporting.dashboards_statements_changed")
    eligibility_inputs_changed.connect(
        on_eligibility_inputs_changed, dispatch_uid="reporting.dashboards_eligibility_changed"
    )
