"""The Redis cache of the portal, whose ``clear()`` deletes only its own keys.

Django's ``RedisCache.clear()`` flushes the whole Redis database, and the portal's database also holds the Celery
queues (one ``REDIS_URL`` for both) and, on a developer's machine, other checkouts' and test workers' keys: each of
those has its own ``KEY_PREFIX``, and clearing one must leave the others alone.
"""

import re

from django.core.cache.backends.redis import RedisCache


class PrefixedRedisCache(RedisCache):
    def clear(self) -> bool:
        client = self._cache.get_client(None, write=True)
        # make_key() writes "<prefix>:<version>:<key>"; the prefix's glob characters are escaped.
        pattern = re.sub(r"([*?\[\]\\])", r"\\\1", self.key_prefix) + ":*"
        deleted = 0
        batch = []
        for key in client.scan_iter(match=pattern, count=1000):
            batch.append(key)
            if len(batch) == 1000:
                deleted += client.unlink(*batch)
                batch = []
        if batch:
            deleted += client.unlink(*batch)
        return bool(deleted)
