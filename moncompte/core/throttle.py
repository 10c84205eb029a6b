"""Sliding-window rate limits (R-ID2, R-CODE2, R-CAP4, R-SEC4), on the database or on Redis when REDIS_URL is
set: either way shared by every process of the service, never counted in one process's memory.

Windows are computed from the service clock, so time-travel tests and `faketime` see the limits move.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Protocol, cast

from django.conf import settings

from moncompte.core import queries, tokens
from moncompte.core.errors import TooManyAttempts
from moncompte.core.models import ThrottleEvent, WindowCounter


@dataclass(frozen=True)
class Limit:
    scope: str
    max_events: int
    window: timedelta


class Store(Protocol):
    def add(self, scope: str, key: str, at: datetime, window: timedelta) -> str: ...
    def times(self, scope: str, key: str, since: datetime) -> list[datetime]: ...
    def clear(self, scope: str, key: str) -> None: ...
    def remove(self, scope: str, key: str, event: str) -> None: ...


class DatabaseStore:
    def add(self, scope: str, key: str, at: datetime, window: timedelta) -> str:
        return str(ThrottleEvent.objects.create(scope=scope, key=key, at=at).pk)

    def remove(self, scope: str, key: str, event: str) -> None:
        ThrottleEvent.objects.filter(pk=int(event), scope=scope, key=key).delete()

    def times(self, scope: str, key: str, since: datetime) -> list[datetime]:
        rows = ThrottleEvent.objects.filter(scope=scope, key=key, at__gt=since).order_by("at", "id")
        return list(rows.values_list("at", flat=True))

    def clear(self, scope: str, key: str) -> None:
        ThrottleEvent.objects.filter(scope=scope, key=key).delete()


class RedisStore:
    def __init__(self, url: str) -> None:
        import redis

        self.redis = redis.Redis.from_url(url)

    def _name(self, scope: str, key: str) -> str:
        return f"moncompte:throttle:{scope}:{key}"

    def add(self, scope: str, key: str, at: datetime, window: timedelta) -> str:
        stamp = at.timestamp()
        name, member = self._name(scope, key), f"{stamp}:{tokens.link_token()[:8]}"
        pipe = self.redis.pipeline()
        pipe.zadd(name, {member: stamp})
        pipe.expire(name, int(window.total_seconds()) + 60)
        pipe.execute()
        return member

    def remove(self, scope: str, key: str, event: str) -> None:
        self.redis.zrem(self._name(scope, key), event)

    def times(self, scope: str, key: str, since: datetime) -> list[datetime]:
        name = self._name(scope, key)
        # One round trip: old events dropped, the window's read (a limit is checked on most requests).
        pipe = self.redis.pipeline(transaction=False)
        pipe.zremrangebyscore(name, "-inf", since.timestamp())
        pipe.zrangebyscore(name, f"({since.timestamp()}", "+inf", withscores=True)
        scores = cast(list[tuple[bytes, float]], pipe.execute()[1])
        return [datetime.fromtimestamp(score, tz=UTC) for _, score in scores]

    def window_counts(self, name: str, *, window: int, ttl: int) -> tuple[int, int]:
        """Counts one event in fixed window `window` of `name`: (this window's count, the previous one's)."""
        pipe = self.redis.pipeline(transaction=False)
        pipe.incr(f"{name}:{window}")
        pipe.expire(f"{name}:{window}", ttl)
        pipe.get(f"{name}:{window - 1}")
        counted, _, previous = pipe.execute()
        return int(counted), int(previous or 0)

    def clear(self, scope: str, key: str) -> None:
        self.redis.delete(self._name(scope, key))


@cache
def _redis_store(url: str) -> RedisStore:
    return RedisStore(url)


def store() -> Store:
    url = getattr(settings, "REDIS_URL", "")
    return _redis_store(url) if url else DatabaseStore()


def _key(raw: str) -> str:
    return tokens.digest(purpose="throttle", value=raw)


def retry_after(limit: Limit, *, key: str, now: datetime) -> timedelta | None:
    """None when one more event is allowed; otherwise how long until the oldest counted event expires."""
    times = store().times(limit.scope, _key(key), now - limit.window)
    if len(times) < limit.max_events:
        return None
    return times[-limit.max_events] + limit.window - now


def check(limit: Limit, *, key: str, now: datetime, field: str | None = None) -> None:
    wait = retry_after(limit, key=key, now=now)
    if wait is not None:
        raise TooManyAttempts(wait, field=field)


def times_since(limit: Limit, *, key: str, since: datetime) -> list[datetime]:
    """The events of the window after `since`, oldest first."""
    return store().times(limit.scope, _key(key), since)


def clear(limit: Limit, *, key: str) -> None:
    """Forgets the events of `key` (a success ends a run of failures)."""
    store().clear(limit.scope, _key(key))


def count(limit: Limit, *, key: str, now: datetime) -> int:
    """How many events the window holds now."""
    return len(store().times(limit.scope, _key(key), now - limit.window))


def hit(limit: Limit, *, key: str, now: datetime) -> str:
    """Counts one event; returns its handle, for `unhit`."""
    return store().add(limit.scope, _key(key), now, limit.window)


def counted(limit: Limit, *, key: str, now: datetime, field: str | None = None) -> None:
    """Counts one event first, then refuses it (TooManyAttempts) if it is one too many: parallel requests
    each see the others, so none slips past the limit (R-LIM3)."""
    _, wait = hit_first(limit, key=key, now=now)
    if wait is not None:
        raise TooManyAttempts(wait, field=field)


def hit_first(limit: Limit, *, key: str, now: datetime) -> tuple[str, timedelta | None]:
    """Counts one event, then reads the window it is in: its handle (for `unhit`) and, when it is one too
    many, how long until the window would let it in (None when it is within the limit). Counted before it is
    judged, so parallel requests each see the others (R-LIM3)."""
    handle = hit(limit, key=key, now=now)
    try:
        times = store().times(limit.scope, _key(key), now - limit.window)
    except Exception:
        unhit(limit, key=key, event=handle)  # never leave an event counted by a crash
        raise
    if len(times) <= limit.max_events:
        return handle, None
    return handle, times[-limit.max_events - 1] + limit.window - now


def unhit(limit: Limit, *, key: str, event: str) -> None:
    """Takes back one event counted first and refused after (it should not weigh on later ones)."""
    store().remove(limit.scope, _key(key), event)


def window_count(limit: Limit, *, key: str, now: datetime, field: str | None = None) -> None:
    """Counts one event without a row of its own, for events too frequent to be worth one each (showing a
    form): a counter per fixed window, in Redis when configured, else one database row per key and window
    counted up in place. Raises TooManyAttempts once the last `window` holds `max_events`: estimated from
    this fixed window and the share of the previous one still inside the sliding window, so the edge
    between two windows does not let twice the limit through."""
    seconds = int(limit.window.total_seconds())
    window, into = divmod(now.timestamp(), seconds)
    url = getattr(settings, "REDIS_URL", "")
    if url:  # one round trip to Redis
        name = f"moncompte:window:{limit.scope}:{_key(key)}"
        counted, previous = _redis_store(url).window_counts(name, window=int(window), ttl=2 * seconds + 60)
    else:  # one statement
        counts = queries.window_counter_add(
            scope=limit.scope, key=_key(key), started=int(window) * seconds, seconds=seconds
        )
        counted, previous = counts.current, counts.previous
    if counted + previous * (1 - into / seconds) > limit.max_events:
        raise TooManyAttempts(timedelta(seconds=seconds - into), field=field)


# No limit counts over a longer window than a day.
LONGEST_WINDOW = timedelta(days=1)


def events_purge(*, now: datetime) -> int:
    """Database rows older than every window are useless: the worker removes them (a periodic job). A window
    counter serves its own window and the next one."""
    deleted, _ = ThrottleEvent.objects.filter(at__lt=now - LONGEST_WINDOW).delete()
    oldest_read = int((now - 2 * LONGEST_WINDOW).timestamp())
    counters, _ = WindowCounter.objects.filter(started__lt=oldest_read).delete()
    return deleted + counters
