"""A Redis cache that fails soft: while Redis cannot be reached, reads miss and writes are dropped, with a warning.

The shop keeps only disposable things in its cache (allauth's rate-limit counters), so a dead Redis should cost
those, not every page that touches them: Django's RedisCache raises on a refused connection, which turns the log-in
and sign-up pages into server errors. Rate limits are not enforced while Redis is down (the warning says so).
Chosen in settings when REDIS_URL is set, unless CACHE_FAIL_SOFT=false.
"""

import logging
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
WARN_EVERY = 30.0  # seconds between warnings while Redis stays down, so an outage does not flood the logs
_last_warning = 0.0


def _warn(operation: str, error: Exception) -> None:
    global _last_warning
    now = time.monotonic()
    if now - _last_warning >= WARN_EVERY:
        _last_warning = now
        logger.warning(
            "Cache unreachable (%s: %s); serving without it, rate limits are not enforced meanwhile.", operation, error
        )


class FailSoftRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients_by_pool = {}

    def get_client(self, key=None, *, write=False):
        """One redis client per connection pool, reused: Django builds a new one for every cache call, and building
        one (its table of response callbacks) costs more than the round trip to Redis."""
        pool = self._get_connection_pool(write)
        client = self._clients_by_pool.get(pool)
        if client is None:
            client = self._clients_by_pool[pool] = self._client(connection_pool=pool)
        return client

    def add(self, key, value, timeout):
        """True while unreachable, as for any key a cache does not hold: allauth takes its rate-limit lock with add()
        and would otherwise refuse every log-in (429) until Redis is back."""
        try:
            return super().add(key, value, timeout)
        except UNREACHABLE as error:
            _warn("add", error)
            return True

    def get(self, key, default):
        try:
            return super().get(key, default)
        except UNREACHABLE as error:
            _warn("get", error)
            return default

    def set(self, key, value, timeout):
        try:
            super().set(key, value, timeout)
        except UNREACHABLE as error:
            _warn("set", error)

    def touch(self, key, timeout):
        try:
            return super().touch(key, timeout)
        except UNREACHABLE as error:
            _warn("touch", error)
            return False

    def delete(self, key):
        try:
            return super().delete(key)
        except UNREACHABLE as error:
            _warn("delete", error)
            return False

    def get_many(self, keys):
        try:
            return super().get_many(keys)
        except UNREACHABLE as error:
            _warn("get_many", error)
            return {}

    def has_key(self, key):
        try:
            return super().has_key(key)
        except UNREACHABLE as error:
            _warn("has_key", error)
            return False

    def incr(self, key, delta):
        try:
            return super().incr(key, delta)
        except UNREACHABLE as error:
            _warn("incr", error)
            raise ValueError(f"Key '{key}' not found (cache unreachable).") from error

    def set_many(self, data, timeout):
        try:
            super().set_many(data, timeout)
        except UNREACHABLE as error:
            _warn("set_many", error)

    def delete_many(self, keys):
        try:
            super().delete_many(keys)
        except UNREACHABLE as error:
            _warn("delete_many", error)

    def clear(self):
        try:
            return super().clear()
        except UNREACHABLE as error:
            _warn("clear", error)
            return False


class FailSoftRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = FailSoftRedisCacheClient
