"""The cache's clear() deletes its own keys only: the same Redis database holds the Celery queues, and on a
developer's machine other checkouts' and other test workers' keys (each with its own KEY_PREFIX)."""

from django.conf import settings
from django.core.cache import caches

from config.cache import PrefixedRedisCache


def _cache(prefix: str) -> PrefixedRedisCache:
    return PrefixedRedisCache(settings.CACHES["default"]["LOCATION"], {"KEY_PREFIX": prefix})


def test_clear_leaves_other_prefixes_and_the_broker_keys_alone():
    base = settings.CACHES["default"]["KEY_PREFIX"]
    mine, theirs, lookalike = _cache(f"{base}-st*r"), _cache(f"{base}-star"), _cache(f"{base}-st*r-2")
    broker = mine._cache.get_client(None, write=True)
    queue = f"{base}-a-celery-queue"
    try:
        for number in range(1500):  # more than one batch of deletions
            mine.set(f"key{number}", number)
        theirs.set("key0", "theirs")
        lookalike.set("key0", "lookalike")
        broker.rpush(queue, "a task")

        assert mine.clear()
        assert mine.get("key0") is None and mine.get("key1499") is None
        assert theirs.get("key0") == "theirs"  # the prefix's "*" is not a wildcard
        assert lookalike.get("key0") == "lookalike"  # another prefix that starts the same way
        assert broker.lrange(queue, 0, -1) == [b"a task"]
        assert not mine.clear()  # nothing left to delete
    finally:
        theirs.clear()
        lookalike.clear()
        broker.delete(queue)


def test_the_portal_cache_is_the_prefixed_one():
    assert isinstance(caches["default"], PrefixedRedisCache)
