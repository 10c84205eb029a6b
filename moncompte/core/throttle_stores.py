"""Where the events of the rate limits (core/throttle.py) are kept: the database, or Redis when REDIS_URL is set.
Either way shared by every process of the service, never counted in one process's memory."""

from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from moncompte.core import queries, tokens
from moncompte.core.models import ThrottleEvent
from moncompte.core.redis_cache import bounded_client


class Store(Protocol):
    def add(self, scope: str, key: str, at: datetime, window: timedelta) -> str: ...
    def add_each(self, events: list[tuple[str, str, timedelta]], at: datetime) -> list[str]: ...
    def remove_each(self, events: list[tuple[str, str, str]], forget: list[tuple[str, str]] | None = None) -> None: ...
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

    def add_each(self, events: list[tuple[str, str, timedelta]], at: datetime) -> list[str]:
        return [self.add(scope, key, at, window) for scope, key, window in events]

    def remove(self, scope: str, key: str, event: str) -> None:
        ThrottleEvent.objects.filter(pk=int(event), scope=scope, key=key).delete()

    def times(self, scope: str, key: str, since: datetime, up_to: int | None = None) -> list[datetime]:
        rows = ThrottleEvent.objects.filter(scope=scope, key=key, at__gt=since).order_by("at", "id")
        return list((rows if up_to is None else rows.filter(id__lte=up_to)).values_list("at", flat=True))

    def clear(self, scope: str, key: str) -> None:
        ThrottleEvent.objects.filter(scope=scope, key=key).delete()

    def remove_each(self, events: list[tuple[str, str, str]], forget: list[tuple[str, str]] | None = None) -> None:
        for scope, key, event in events:
            self.remove(scope, key, event)
        for scope, key in forget or []:
            self.clear(scope, key)

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
        return self.add_each([(scope, key, window)], at)[0]

    def add_each(self, events: list[tuple[str, str, timedelta]], at: datetime) -> list[str]:
        pipe = self.redis.pipeline()  # in MULTI: all counted or none
        members = [self._add(pipe, self._name(scope, key), at, window) for scope, key, window in events]
        pipe.execute()
        return members

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

    def remove_each(self, events: list[tuple[str, str, str]], forget: list[tuple[str, str]] | None = None) -> None:
        pipe = self.redis.pipeline(transaction=False)
        for scope, key, event in events:
            pipe.zrem(self._name(scope, key), event)
        for scope, key in forget or []:
            pipe.delete(self._name(scope, key))
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
