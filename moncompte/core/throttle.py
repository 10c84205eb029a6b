"""Sliding-window rate limits (R-ID2, R-CODE2, R-CAP4, R-SEC4), on the database or on Redis when REDIS_URL is
set (core/throttle_stores.py): either way shared by every process of the service, never counted in one
process's memory.

Windows are computed from the service clock, so time-travel tests and `faketime` see the limits move.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from django.conf import settings

from moncompte.core import queries, tokens
from moncompte.core.errors import TooManyAttempts
from moncompte.core.models import ThrottleEvent, WindowCounter
from moncompte.core.throttle_stores import DatabaseStore, RedisStore, Store


@dataclass(frozen=True)
class Limit:
    scope: str
    max_events: int
    window: timedelta


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


def retry_after_each(limits: list[tuple[Limit, str]], *, now: datetime) -> list[timedelta | None]:
    """`retry_after` of each limit, read at once (one round trip on Redis)."""
    return [_wait(limit, times, now) for (limit, _), times in zip(limits, _times_of_each(limits, now=now), strict=True)]


def _wait(limit: Limit, times: list[datetime], now: datetime) -> timedelta | None:
    if len(times) < limit.max_events:
        return None
    return times[-limit.max_events] + limit.window - now


def check(limit: Limit, *, key: str, now: datetime, field: str | None = None) -> None:
    wait = retry_after(limit, key=key, now=now)
    if wait is not None:
        raise TooManyAttempts(wait, field=field)


def check_each(limits: list[tuple[Limit, str]], *, now: datetime, field: str | None = None) -> list[int]:
    """`check` for several limits read at once (one round trip on Redis): the first one full raises; else how
    many events each window holds."""
    held = _times_of_each(limits, now=now)
    for (limit, _), times in zip(limits, held, strict=True):
        wait = _wait(limit, times, now)
        if wait is not None:
            raise TooManyAttempts(wait, field=field)
    return [len(times) for times in held]


def first_retry_after(limits: list[tuple[Limit, str]], *, now: datetime) -> timedelta | None:
    """`retry_after` for several limits read at once (one round trip on Redis): the first one full's wait."""
    return next((wait for wait in retry_after_each(limits, now=now) if wait is not None), None)


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


def hit_each(events: list[tuple[Limit, str]], *, now: datetime) -> list[str]:
    """`hit` for several limits at once (one round trip on Redis): their handles."""
    return store().add_each([(limit.scope, _key(key), limit.window) for limit, key in events], now)


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


def unhit_each(events: list[tuple[Limit, str, str]], *, cleared: list[tuple[Limit, str]] | None = None) -> None:
    """`unhit` for several events (limit, key, handle), and `clear` for the `cleared` keys, at once: one round
    trip on Redis."""
    forget = [(limit.scope, _key(key)) for limit, key in cleared or []]
    store().remove_each([(limit.scope, _key(key), event) for limit, key, event in events], forget)


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
