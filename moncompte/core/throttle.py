"""Sliding-window rate limits (R-ID2, R-CODE2, R-CAP4, R-SEC4), on the database or on Redis when REDIS_URL is
set: either way shared by every process of the service, never counted in one process's memory.

Windows are computed from the service clock, so time-travel tests and `faketime` see the limits move.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, Protocol

from django.conf import settings

from moncompte.core import queries, tokens
from moncompte.core.errors import TooManyAttempts
from moncompte.core.models import ThrottleEvent, WindowCounter
from moncompte.core.redis_cache import bounded_client


@dataclass(frozen=True)
class Limit:
    scope: str
    max_events: int
    window: timedelta


class Store(Protocol):
    def add(self, scope: str, key: str, at: datetime, window: timedelta) -> str: ...
    def remove_each(self, events: list[tuple[str, str, str]]) -> None: ...
    def times(self, scope: str, key: str, since: datetime) -> list[datetime]: ...
    def add_then_times(
        self, scope: str, key: str, at: datetime, window: timedelta, since: datetime
    ) -> tuple[str, list[datetime]]: ...
    def times_of_each(self, windows: list[tuple[str, str, datetime]]) -> list[list[datetime]]: ...
    def clear(self, scope: str, key: str) -> None: ...
    def remove(self, scope: str, key: str, event: str) -> None: ...


class DatabaseStore:
    def add(self, scope: str, key: str, at: datetime, window: timedelta) -> str:
        return str(queries.throttle_event_add(scope=scope, key=key, at=at))  # one at a time per key (R-LIM3)

    def remove(self, scope: str, key: str, event: str) -> None:
        ThrottleEvent.objects.filter(pk=int(event), scope=scope, key=key).delete()

    def times(self, scope: str, key: str, since: datetime, up_to: int | None = None) -> list[datetime]:
        rows = ThrottleEvent.objects.filter(scope=scope, key=key, at__gt=since).order_by("at", "id")
        return list((rows if up_to is None else rows.filter(id__lte=up_to)).values_list("at", flat=True))

    def clear(self, scope: str, key: str) -> None:
        ThrottleEvent.objects.filter(scope=scope, key=key).delete()

    def remove_each(self, events: list[tuple[str, str, str]]) -> None:
        for scope, key, event in events:
            self.remove(scope, key, event)

    def add_then_times(
        self, scope: str, key: str, at: datetime, window: timedelta, since: datetime
    ) -> tuple[str, list[datetime]]:
        event = self.add(scope, key, at, window)
        try:  # those counted before it, never after: a burst read whole would refuse every request of it
            return event, self.times(scope, key, since, up_to=int(event))
        except Exception:
            self.remove(scope, key, event)  # never leave an event counted by a crash
            raise

    def times_of_each(self, windows: list[tuple[str, str, datetime]]) -> list[list[datetime]]:
        return [self.times(scope, key, since) for scope, key, since in windows]


class RedisStore:
    def __init__(self, url: str) -> None:
        self.redis = bounded_client(url)  # a Redis that does not answer is out: a 503 (R-A11Y6)

    def _name(self, scope: str, key: str) -> str:
        return f"moncompte:throttle:{scope}:{key}"

    def add(self, scope: str, key: str, at: datetime, window: timedelta) -> str:
        pipe = self.redis.pipeline()
        member = self._add(pipe, self._name(scope, key), at, window)
        pipe.execute()
        return member

    @staticmethod
    def _add(pipe: Any, name: str, at: datetime, window: timedelta) -> str:
        stamp = at.timestamp()
        member = f"{stamp}:{tokens.link_token()[:8]}"
        pipe.zadd(name, {member: stamp})
        pipe.expire(name, int(window.total_seconds()) + 60)
        return member

    @staticmethod
    def _times(pipe: Any, name: str, since: datetime, drop_before: datetime | None = None) -> None:
        """Events older than `drop_before` (by default `since`) dropped, then those after `since` read: its reply
        is the pipeline's last."""
        pipe.zremrangebyscore(name, "-inf", (drop_before or since).timestamp())
        pipe.zrangebyscore(name, f"({since.timestamp()}", "+inf", withscores=True)

    @staticmethod
    def _dates(scores: list[tuple[bytes, float]]) -> list[datetime]:
        return [datetime.fromtimestamp(score, tz=UTC) for _, score in scores]

    def add_then_times(
        self, scope: str, key: str, at: datetime, window: timedelta, since: datetime
    ) -> tuple[str, list[datetime]]:
        # One round trip (bench/versus_allauth.py: 58 Redis round trips per journey before issue 22 cut them),
        # in MULTI like `add`: the window read is the one the new event is in.
        name = self._name(scope, key)
        pipe = self.redis.pipeline()
        member = self._add(pipe, name, at, window)
        self._times(pipe, name, since, drop_before=min(since, at - window))  # a shorter read keeps the window
        try:
            return member, self._dates(pipe.execute()[-1])
        except Exception:
            self.remove(scope, key, member)  # never leave an event counted by a crash (the reply may be lost)
            raise

    def times_of_each(self, windows: list[tuple[str, str, datetime]]) -> list[list[datetime]]:
        pipe = self.redis.pipeline(transaction=False)
        for scope, key, since in windows:
            self._times(pipe, self._name(scope, key), since)
        replies = pipe.execute()
        return [self._dates(scores) for scores in replies[1::2]]

    def remove(self, scope: str, key: str, event: str) -> None:
        self.redis.zrem(self._name(scope, key), event)

    def remove_each(self, events: list[tuple[str, str, str]]) -> None:
        pipe = self.redis.pipeline(transaction=False)
        for scope, key, event in events:
            pipe.zrem(self._name(scope, key), event)
        pipe.execute()

    def times(self, scope: str, key: str, since: datetime) -> list[datetime]:
        # One round trip: old events dropped, the window's read (a limit is checked on most requests).
        pipe = self.redis.pipeline(transaction=False)
        self._times(pipe, self._name(scope, key), since)
        return self._dates(pipe.execute()[-1])

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
    return _wait(limit, store().times(limit.scope, _key(key), now - limit.window), now)


def _wait(limit: Limit, times: list[datetime], now: datetime) -> timedelta | None:
    if len(times) < limit.max_events:
        return None
    return times[-limit.max_events] + limit.window - now


def check(limit: Limit, *, key: str, now: datetime, field: str | None = None) -> None:
    wait = retry_after(limit, key=key, now=now)
    if wait is not None:
        raise TooManyAttempts(wait, field=field)


def check_each(limits: list[tuple[Limit, str]], *, now: datetime, field: str | None = None) -> None:
    """`check` for several limits read at once (one round trip on Redis): the first one full raises."""
    wait = first_retry_after(limits, now=now)
    if wait is not None:
        raise TooManyAttempts(wait, field=field)


def first_retry_after(limits: list[tuple[Limit, str]], *, now: datetime) -> timedelta | None:
    """`retry_after` for several limits read at once (one round trip on Redis): the first one full's wait."""
    for (limit, _), times in zip(limits, _times_of_each(limits, now=now), strict=True):
        wait = _wait(limit, times, now)
        if wait is not None:
            return wait
    return None


def count_each(limits: list[tuple[Limit, str]], *, now: datetime) -> list[int]:
    """`count` for several limits read at once (one round trip on Redis)."""
    return [len(times) for times in _times_of_each(limits, now=now)]


def _times_of_each(limits: list[tuple[Limit, str]], *, now: datetime) -> list[list[datetime]]:
    return store().times_of_each([(limit.scope, _key(key), now - limit.window) for limit, key in limits])


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
    handle, times = hit_then_times(limit, key=key, now=now)
    if len(times) <= limit.max_events:
        return handle, None
    return handle, times[-limit.max_events - 1] + limit.window - now


def hit_then_times(
    limit: Limit, *, key: str, now: datetime, since: datetime | None = None
) -> tuple[str, list[datetime]]:
    """Counts one event, then reads the events after `since` (by default the limit's window), the new one
    included: its handle (for `unhit`) and their times, oldest first. One round trip on Redis."""
    return store().add_then_times(limit.scope, _key(key), now, limit.window, since or now - limit.window)


def unhit(limit: Limit, *, key: str, event: str) -> None:
    """Takes back one event counted first and refused after (it should not weigh on later ones)."""
    store().remove(limit.scope, _key(key), event)


def unhit_each(events: list[tuple[Limit, str, str]]) -> None:
    """`unhit` for several events (limit, key, handle) at once: one round trip on Redis."""
    store().remove_each([(limit.scope, _key(key), event) for limit, key, event in events])


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
