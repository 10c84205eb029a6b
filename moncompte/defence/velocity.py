"""R-BOT1: velocity signals, counted in hourly buckets and compared with their own 7-day baseline.

One row per (signal, scope, key, hour), upserted: never a row per event. The sliding hour is estimated from
the current hour's count and the share of the previous hour still inside it (as core.throttle.window_count
does). The baseline is the same time of day (one hour either side) on each of the BOT_BASELINE_DAYS previous
days, so the day's rhythm (quiet nights, busy mornings) does not widen it; hours spent in attack mode are
left out, so an attack does not teach the baseline to expect the next one.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce

from moncompte.defence.keys import DEPARTEMENT, DOMAIN, GLOBAL, NETWORK, SCOPE_WORDS, SIGNAL_WORDS
from moncompte.defence.mode import attack_mode_hours
from moncompte.defence.models import VelocityBucket

HOUR = timedelta(hours=1)
_MINIMUM_SETTING = {
    GLOBAL: "BOT_MINIMUM_GLOBAL",
    NETWORK: "BOT_MINIMUM_NETWORK",
    DOMAIN: "BOT_MINIMUM_DOMAIN",
    DEPARTEMENT: "BOT_MINIMUM_DEPARTEMENT",
}


@dataclass(frozen=True)
class Baseline:
    previous: int  # the previous hour's count (part of the sliding hour)
    mean: float  # the baseline's hourly mean
    stdev: float  # its standard deviation, at least the square root of the mean (counts are Poisson-like)
    threshold: float  # above this, the sliding hour trips attack mode


@dataclass(frozen=True)
class Reading:
    signal: str
    scope: str
    key: str
    count: float  # the sliding hour's estimate
    baseline: Baseline

    @property
    def signal_words(self) -> str:
        return SIGNAL_WORDS[self.signal]

    @property
    def scope_words(self) -> str:
        return SCOPE_WORDS[self.scope]

    @property
    def percent_of_threshold(self) -> int:
        return round(100 * self.count / self.baseline.threshold) if self.baseline.threshold else 0

    @property
    def over(self) -> bool:
        return self.count > self.baseline.threshold

    def below(self, *, percent: int) -> bool:
        return self.count <= self.baseline.threshold * percent / 100

    def figures(self) -> dict[str, str | float]:
        """What is stored with attack mode and shown on the desk: the signal, its key and the figures."""
        base = self.baseline
        return {
            "signal": self.signal,
            "scope": self.scope,
            "key": self.key,
            "count": round(self.count, 1),
            "threshold": round(base.threshold, 1),
            "mean": round(base.mean, 1),
            "stdev": round(base.stdev, 1),
        }


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def minimum_of(scope: str) -> int:
    return int(settings.MONCOMPTE[_MINIMUM_SETTING[scope]])


def buckets_add(*, signal: str, keys: list[tuple[str, str]], now: datetime) -> dict[tuple[str, str], int]:
    """Counts one event for each (scope, key) in this hour's buckets, in one statement; returns the counts.

    Hand-written SQL: an upsert that adds one (INSERT … ON CONFLICT DO UPDATE, PostgreSQL and SQLite ≥ 3.35),
    which the ORM cannot say; rows are written in `keys`' order, so two events never lock them crosswise."""
    hour = connection.ops.adapt_datetimefield_value(hour_of(now))
    values = ", ".join(["(%s, %s, %s, %s, 1)"] * len(keys))
    params: list[Any] = []
    for scope, key in keys:
        params += [signal, scope, key, hour]
    quote = connection.ops.quote_name
    table, scope_, key_, count_ = quote(VelocityBucket._meta.db_table), quote("scope"), quote("key"), quote("count")
    columns = f"{quote('signal')}, {scope_}, {key_}, {quote('hour')}"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}, {count_}) VALUES {values} "  # noqa: S608 - our own names
            f"ON CONFLICT ({columns}) DO UPDATE SET {count_} = {table}.{count_} + 1 "
            f"RETURNING {scope_}, {key_}, {count_}",
            params,
        )
        return {(scope, key): count for scope, key, count in cursor.fetchall()}


def current_counts(*, signal: str, scope: str, now: datetime, at_least: int) -> dict[str, tuple[int, int]]:
    """The keys of one scope whose current and previous hours hold `at_least` events together:
    {key: (current hour's count, previous hour's count)}. Only they can be near their threshold."""
    hour = hour_of(now)
    rows = (
        VelocityBucket.objects.filter(signal=signal, scope=scope, hour__gte=hour - HOUR, hour__lte=hour)
        .values("key")
        .annotate(
            current=Coalesce(Sum("count", filter=Q(hour=hour)), 0),
            previous=Coalesce(Sum("count", filter=Q(hour=hour - HOUR)), 0),
            both=Sum("count"),
        )
        .filter(both__gte=at_least)  # summed and filtered by the database: most keys are far below
        .order_by()
    )
    return {row["key"]: (row["current"], row["previous"]) for row in rows}


def sliding_count(*, current: int, previous: int, now: datetime) -> float:
    into = (now - hour_of(now)) / HOUR
    return current + previous * (1 - into)


# One process's baselines: {(signal, scope, key, hour): Baseline}. A baseline reads only past hours, so it
# holds for the whole current hour; the dictionary is emptied when the hour changes, or when it grows large.
_baselines: dict[tuple[str, str, str, datetime], Baseline] = {}
_BASELINES_KEPT = 20_000
_left_out: dict[datetime, set[datetime]] = {}  # {hour: the baseline hours attack mode covered}
_KEYS_PER_QUERY = 200


def baselines_of(
    *, signal: str, keys: list[tuple[str, str]], now: datetime, fresh: bool = False
) -> dict[tuple[str, str], Baseline]:
    """The baselines of `keys` ((scope, key) pairs) this hour: those this process has not read yet (all of
    them when `fresh`) in one query per 200 keys."""
    hour = hour_of(now)
    oldest = next(iter(_baselines), None)
    if len(_baselines) >= _BASELINES_KEPT or (oldest is not None and oldest[3] != hour):
        baselines_forget()
    if fresh or hour not in _left_out:
        since = hour - timedelta(days=int(settings.MONCOMPTE["BOT_BASELINE_DAYS"])) - HOUR
        _left_out[hour] = attack_mode_hours(since=since, until=hour - HOUR)
    missing = [pair for pair in keys if fresh or (signal, *pair, hour) not in _baselines]
    for start in range(0, len(missing), _KEYS_PER_QUERY):
        chunk = missing[start : start + _KEYS_PER_QUERY]
        history = _history(signal=signal, keys=chunk, hour=hour)
        for scope, key in chunk:
            _baselines[(signal, scope, key, hour)] = _baseline(history.get((scope, key), {}), scope=scope, hour=hour)
    return {pair: _baselines[(signal, *pair, hour)] for pair in keys}


def baseline_of(*, signal: str, scope: str, key: str, now: datetime, fresh: bool = False) -> Baseline:
    return baselines_of(signal=signal, keys=[(scope, key)], now=now, fresh=fresh)[(scope, key)]


def baselines_forget() -> None:
    """Forgets this process's baselines (a test that writes past buckets, or after switching attack mode)."""
    _baselines.clear()
    _left_out.clear()


def _samples(hour: datetime) -> list[datetime]:
    """The same time of day, one hour either side, on each of the BOT_BASELINE_DAYS previous days."""
    days = int(settings.MONCOMPTE["BOT_BASELINE_DAYS"])
    return [hour - timedelta(days=day) + HOUR * side for day in range(1, days + 1) for side in (-1, 0, 1)]


def _history(*, signal: str, keys: list[tuple[str, str]], hour: datetime) -> dict[tuple[str, str], dict[datetime, int]]:
    wanted = Q()
    for scope, key in keys:
        wanted |= Q(scope=scope, key=key)
    rows = VelocityBucket.objects.filter(wanted, signal=signal, hour__gte=min(_samples(hour)), hour__lte=hour - HOUR)
    history: dict[tuple[str, str], dict[datetime, int]] = {}
    for scope, key, at, count in rows.values_list("scope", "key", "hour", "count"):
        history.setdefault((scope, key), {})[at] = count
    return history


def _baseline(counts: dict[datetime, int], *, scope: str, hour: datetime) -> Baseline:
    config = settings.MONCOMPTE
    kept = [counts.get(sample, 0) for sample in _samples(hour) if sample not in _left_out[hour]]
    mean = sum(kept) / len(kept) if kept else 0.0
    spread = math.sqrt(sum((count - mean) ** 2 for count in kept) / len(kept)) if kept else 0.0
    stdev = max(spread, math.sqrt(mean))
    level = mean * int(config["BOT_THRESHOLD_MEAN_PERCENT"]) / 100 + int(config["BOT_THRESHOLD_STDEVS"]) * stdev
    return Baseline(
        previous=counts.get(hour - HOUR, 0), mean=mean, stdev=stdev, threshold=max(float(minimum_of(scope)), level)
    )


def readings_of(
    *, signal: str, counts: dict[tuple[str, str], int], now: datetime, fresh: bool = False
) -> list[Reading]:
    """The sliding hour of each (scope, key) of `counts` (their current hour's count) against its baseline."""
    baselines = baselines_of(signal=signal, keys=list(counts), now=now, fresh=fresh)
    return [
        Reading(
            signal=signal,
            scope=scope,
            key=key,
            count=sliding_count(current=current, previous=baselines[(scope, key)].previous, now=now),
            baseline=baselines[(scope, key)],
        )
        for (scope, key), current in counts.items()
    ]


def reading_of(*, signal: str, scope: str, key: str, current: int, now: datetime, fresh: bool = False) -> Reading:
    return readings_of(signal=signal, counts={(scope, key): current}, now=now, fresh=fresh)[0]


def buckets_purge(*, now: datetime) -> int:
    """Buckets older than every baseline are of no use."""
    days = int(settings.MONCOMPTE["BOT_BASELINE_DAYS"])
    deleted, _ = VelocityBucket.objects.filter(hour__lt=hour_of(now) - timedelta(days=days + 1)).delete()
    return deleted
