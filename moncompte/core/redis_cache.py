"""Django's Redis cache, keeping one client per connection pool.

Django builds a new `redis.Redis` for every cache call (sessions, limits), and each one builds its table of
reply parsers: about 0.1 ms of CPU per call, a dozen times per journey. A `redis.Redis` is safe to share between
threads over its pool, so one per pool is enough.
"""

from datetime import timedelta
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        django_client: Any = self  # django-stubs leave out the private helpers used here
        pool = django_client._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = django_client._client(connection_pool=pool)
        return client


class ReusingRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient


def redis_cache_settings(url: str, *, timeout: timedelta) -> dict[str, Any]:
    """settings.CACHES for Redis at `url`: each read or connection waits at most `timeout` (R-A11Y6)."""
    seconds = timeout.total_seconds()
    options = {"socket_timeout": seconds, "socket_connect_timeout": seconds}
    return {"default": {"BACKEND": "moncompte.core.redis_cache.ReusingRedisCache", "LOCATION": url, "OPTIONS": options}}
