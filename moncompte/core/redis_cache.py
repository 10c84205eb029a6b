"""Django's Redis cache, keeping one client per connection pool; and Redis's waits bounded per request.

Django builds a new `redis.Redis` for every cache call (sessions, limits), and each one builds its table of
reply parsers: about 0.1 ms of CPU per call, a dozen times per journey. A `redis.Redis` is safe to share between
threads over its pool, so one per pool is enough.

Each command waits REDIS_TIMEOUT at most; a request sends a dozen. A Redis frozen (it takes the connection and
never answers) held a page for two or three of those waits, one per command still tried after the first failed
(a count taken back, the CAPTCHA's page tried again); a Redis answering just under the timeout, for one per
command: some thirty seconds on the identity step, past gunicorn's patience, every worker held (F5). Within a
request (web/middleware.request_id), a command fails at once, as Redis out (core/outage.SERVICE_OUT), once one
has failed to connect or to be answered, or once the request has waited REQUEST_WAITS times REDIS_TIMEOUT on
Redis in all. A frozen Redis holds a page one REDIS_TIMEOUT; a slow one, REQUEST_WAITS + 1 at most (a page of a
dozen commands at a fifth of a second each still goes through). Outside a request (the worker, the commands),
nothing changes.
"""

import contextvars
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import redis
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.connection import AbstractConnection, Connection, SSLConnection, UnixDomainSocketConnection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from moncompte.core.conf import conf
from moncompte.core.outage import cause_of

REQUEST_WAITS = 3

# The mixin below calls redis-py's own methods through super(): typed as a connection, it is a plain class at run
# time, so that each kind of connection keeps its own way of connecting.
if TYPE_CHECKING:
    _ConnectionBase = AbstractConnection
else:
    _ConnectionBase = object


@dataclass(slots=True)
class _Waited:
    left: float  # the seconds this request may still wait on Redis
    failed: BaseException | None = None  # the first command's failure: what the later ones say
    inside: bool = False  # a command connecting or checking its connection first: its wait counted once


_waited: contextvars.ContextVar[_Waited | None] = contextvars.ContextVar("redis_waited", default=None)


@contextmanager
def redis_waits_bounded() -> Iterator[None]:
    """The scope of one request: its commands to Redis wait REQUEST_WAITS times REDIS_TIMEOUT in all, and none
    after one failed."""
    token = _waited.set(_Waited(left=REQUEST_WAITS * conf().redis_timeout.total_seconds()))
    try:
        yield
    finally:
        _waited.reset(token)


def _bounded[T](call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    waited = _waited.get()
    if waited is None or waited.inside:
        return call(*args, **kwargs)
    if waited.failed is not None:
        cause = cause_of(waited.failed)
        raise RedisTimeoutError(f"Redis hors service pour cette requête depuis : {cause}") from waited.failed
    if waited.left <= 0:
        raise RedisTimeoutError("Redis : cette requête l'a attendu trop longtemps en tout")
    started, waited.inside = time.monotonic(), True
    try:
        return call(*args, **kwargs)
    except (RedisConnectionError, RedisTimeoutError) as error:
        waited.failed = error
        raise
    finally:
        waited.left -= time.monotonic() - started
        waited.inside = False


class _Bounded(_ConnectionBase):
    """redis-py's connection, its waits bounded per request (above): mixed into each kind of connection."""

    def connect(self) -> None:
        _bounded(super().connect)

    def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        _bounded(super().send_packed_command, command, check_health)

    def read_response(self, *args: Any, **kwargs: Any) -> Any:
        return _bounded(super().read_response, *args, **kwargs)


class BoundedConnection(_Bounded, Connection):
    """Over TCP (redis://)."""


class BoundedSSLConnection(_Bounded, SSLConnection):
    """Over TLS (rediss://)."""


class BoundedUnixConnection(_Bounded, UnixDomainSocketConnection):
    """Over a Unix socket (unix://)."""


_BY_SCHEME: dict[str, type[Any]] = {"rediss": BoundedSSLConnection, "unix": BoundedUnixConnection}


def bounded_connection_class(url: str) -> type[Any]:
    return _BY_SCHEME.get(urlsplit(url).scheme, BoundedConnection)


def bounded_client(url: str) -> "redis.Redis":
    """A client of Redis at `url` whose commands wait REDIS_TIMEOUT each at most, and are bounded per request."""
    wait = conf().redis_timeout.total_seconds()
    return redis.Redis.from_url(
        url, socket_timeout=wait, socket_connect_timeout=wait, connection_class=bounded_connection_class(url)
    )


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
    options = {
        "socket_timeout": seconds,
        "socket_connect_timeout": seconds,
        "connection_class": bounded_connection_class(url),
    }
    return {"default": {"BACKEND": "moncompte.core.redis_cache.ReusingRedisCache", "LOCATION": url, "OPTIONS": options}}
