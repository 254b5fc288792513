"""The shared cache on Redis, kept optional: when Redis is down or hung, requests go on without it.

The cache holds rate-limit counters and public pages, nothing that must not be lost, and in
production it lives on the same Redis as the Celery broker. Django's own Redis cache raises
on a stopped server and waits forever on a hung one, which would make a registration fail
(or hang) while the broker is down, although the registration itself only needs PostgreSQL.
"""

import logging
import os
import time

import environ
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis import RedisError

logger = logging.getLogger(__name__)

# Seconds an operation waits for Redis before the request goes on without the cache.
SOCKET_TIMEOUT = 0.25
# After a failure the cache is skipped for this long, instead of every request waiting again.
RETRY_AFTER = 10.0
# A subscriber's connection is asked to answer a ping well within this many seconds.
SUBSCRIPTION_SOCKET_TIMEOUT = 5.0

_MISSING = object()

# INCRBY only if the key exists (else nil), in one round trip: Django sends EXISTS then INCRBY.
_INCR_EXISTING = "if redis.call('exists', KEYS[1]) == 1 then return redis.call('incrby', KEYS[1], ARGV[1]) end"


def cache_config(url: str) -> dict:
    """The CACHES entry for a CACHE_URL: a Redis URL gets the tolerant backend below."""
    config = environ.Env.cache_url_config(url)
    if config["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
        config["BACKEND"] = "core.cache.TolerantRedisCache"
    return config


def cache_claim(key: str, timeout: float) -> bool:
    """Whether this caller should do what `key` stands for: no one else claimed it within `timeout` seconds,
    or the cache cannot tell."""
    from_cache = caches["default"]
    if isinstance(from_cache, TolerantRedisCache):
        return from_cache.claim(key, timeout)
    return from_cache.add(key, 1, timeout)


def subscription_name() -> str:
    return f"onmt-page-watch-{os.getpid()}"


class ReusedRedisCacheClient(RedisCacheClient):
    """Django's Redis cache client, keeping one redis-py client per connection pool, with a faster incr.

    Django builds a new `redis.Redis` for every cache operation, and redis-py 8 fills a
    table of about 170 response callbacks each time: on a page served from the cache
    that was a third of the work. A `redis.Redis` is safe to share between threads.
    `incr` (every rate-limited registration makes one) takes one round trip instead of two.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        if index not in self._clients:
            self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return self._clients[index]

    def incr(self, key, delta):
        value = self.get_client(key, write=True).eval(_INCR_EXISTING, 1, key, delta)
        if value is None:
            raise ValueError(f"Key '{key}' not found.")
        return value

    def set_many_and_publish(self, data, timeout, *, channel: str, message: str) -> None:
        # One MULTI/EXEC: a subscriber that hears the message finds the new values, and no value is set
        # without its message.
        pipeline = self.get_client(None, write=True).pipeline(transaction=True)
        for key, value in data.items():
            pipeline.set(key, self._serializer.dumps(value), ex=timeout)
        pipeline.publish(channel, message)
        pipeline.execute()
        return True

    def subscription(self):
        """A connection of its own to listen on (a subscribed connection can do nothing else)."""
        return self._lib.Redis.from_url(
            self._servers[0],
            socket_connect_timeout=SOCKET_TIMEOUT,
            socket_timeout=SUBSCRIPTION_SOCKET_TIMEOUT,
            # Named for CLIENT LIST (and for the test that cuts it).
            client_name=subscription_name(),
        ).pubsub()


class TolerantRedisCache(RedisCache):
    """Django's Redis cache that answers "not cached" instead of failing when Redis does not answer.

    Reads return the default, writes do nothing, `incr` raises ValueError as for a missing key
    (what django-ratelimit and the public-page cache expect), and for RETRY_AFTER seconds this
    process does not try Redis again. Rate limits fail open meanwhile (RATELIMIT_FAIL_OPEN).
    """

    # Per process and server: every instance (one per thread) shares what the others learnt.
    unavailable_until: dict[tuple, float] = {}

    def __init__(self, server, params):
        options = params.setdefault("OPTIONS", {})
        options.setdefault("socket_connect_timeout", SOCKET_TIMEOUT)
        options.setdefault("socket_timeout", SOCKET_TIMEOUT)
        super().__init__(server, params)
        self._class = ReusedRedisCacheClient

    def validate_key(self, key):
        # Django checks each key against memcached's limits (length, control characters) on every
        # operation; Redis has neither, and the portal's keys are its own.
        pass

    def _guarded(self, fallback, operation, *args, **kwargs):
        servers = tuple(self._servers)
        if time.monotonic() < self.unavailable_until.get(servers, 0.0):
            return fallback
        try:
            return operation(*args, **kwargs)
        except RedisError as error:
            self.unavailable_until[servers] = time.monotonic() + RETRY_AFTER
            logger.warning("Cache unavailable, going on without it for %ss: %s", RETRY_AFTER, error)
            return fallback

    def add(self, key, value, timeout=None, version=None):
        return self._guarded(False, super().add, key, value, timeout, version)

    def claim(self, key, timeout=None, version=None) -> bool:
        """Add `key` if no one holds it: True when this caller got it, or when Redis did not answer (then
        no one can be counted on to act for the caller)."""
        return self._guarded(True, super().add, key, 1, timeout, version)

    def get(self, key, default=None, version=None):
        return self._guarded(default, super().get, key, default, version)

    def set(self, key, value, timeout=None, version=None):
        self._guarded(None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=None, version=None):
        return self._guarded(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._guarded(False, super().delete, key, version)

    def get_many(self, keys, version=None):
        return self._guarded({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._guarded(False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        value = self._guarded(_MISSING, super().incr, key, delta, version)
        if value is _MISSING:
            raise ValueError(f"Key '{key}' not found: the cache is unavailable")
        return value

    def set_many(self, data, timeout=None, version=None):
        return self._guarded(list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        self._guarded(None, super().delete_many, keys, version)

    def clear(self):
        return self._guarded(False, super().clear)

    def set_many_and_publish(self, data, timeout=None, *, channel: str, message: str) -> bool:
        """Set the keys and publish `message` on `channel` (scoped to this cache's database and prefix)
        together; False when Redis did not answer."""
        keys = {self.make_and_validate_key(key): value for key, value in data.items()}
        timeout = self.get_backend_timeout(timeout)
        publish = self._cache.set_many_and_publish
        return self._guarded(False, publish, keys, timeout, channel=self.channel(channel), message=message)

    def channel(self, name: str) -> str:
        # Channels are shared by every database of a Redis server: the database and prefix are part of the name.
        return f"{self._servers[0].rpartition('/')[2]}:{self.key_prefix}:{name}"

    def subscription(self):
        return self._cache.subscription()
