"""R-BOT1: velocity signals, counted in ten-minute buckets and read over two sliding windows, the hour and the
last ten minutes, each compared with the same window in its own 7-day baseline.

One row per (signal, scope, key, ten minutes), upserted: never a row per event. A sliding window is the
current ten minutes and the earlier buckets inside it, the oldest weighed by the share of it still inside (as
core.throttle.window_count does with one previous window). The baseline is the same time of day (one hour
either side) on each of the BOT_BASELINE_DAYS previous days, so the day's rhythm (quiet nights, busy
mornings) does not widen it; hours spent in attack mode are left out, so an attack does not teach the baseline
to expect the next one.

Why ten minutes as well as the hour: a signal trips about 4 standard deviations above its mean, and a count's
deviation grows as the square root of its window: at 240 identity steps an hour the hour needs 66 more than
usual, which a fast script gets in under a minute (bench/botnet.py: 59 accounts before attack mode), ten
minutes 29. The hour still sees an attack spread thinly over it.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce

from moncompte.core.conf import conf
from moncompte.defence.keys import SCOPE_WORDS, SIGNAL_WORDS
from moncompte.defence.mode import attack_mode_hours
from moncompte.defence.models import VelocityBucket

HOUR = timedelta(hours=1)
SLOT = timedelta(minutes=10)  # one bucket
SLOTS_PER_HOUR = HOUR // SLOT


@dataclass(frozen=True)
class Window:
    name: str
    slots: int  # the ten-minute buckets it spans (a divisor of SLOTS_PER_HOUR)
    words: str  # "12 en une heure glissante"
    unit: str  # "référence 4,0 ± 2,0 par heure"


WINDOW_HOUR = Window("hour", SLOTS_PER_HOUR, "une heure glissante", "heure")
WINDOW_TEN_MINUTES = Window("ten_minutes", 1, "dix minutes glissantes", "dix minutes")
WINDOWS = (WINDOW_HOUR, WINDOW_TEN_MINUTES)


@dataclass(frozen=True)
class Baseline:
    past: tuple[int, ...]  # the window's buckets before the current one, oldest first (only partly inside)
    mean: float  # the baseline's mean count over the window
    stdev: float  # its standard deviation, at least the square root of the mean (counts are Poisson-like)
    threshold: float  # above this, the sliding window trips attack mode


@dataclass(frozen=True)
class Reading:
    signal: str
    scope: str
    key: str
    window: Window
    count: float  # the sliding window's estimate
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
        """What is stored with attack mode and shown on the desk: the signal, its key, window and figures."""
        base = self.baseline
        return {
            "signal": self.signal,
            "scope": self.scope,
            "key": self.key,
            "window": self.window.name,
            "count": round(self.count, 1),
            "threshold": round(base.threshold, 1),
            "mean": round(base.mean, 1),
            "stdev": round(base.stdev, 1),
        }


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def slot_of(moment: datetime) -> datetime:
    """The start of the ten minutes `moment` is in."""
    return moment.replace(minute=moment.minute - moment.minute % 10, second=0, microsecond=0)


def minimum_of(scope: str, window: Window = WINDOW_HOUR) -> float:
    """The scope's minimum threshold over `window`: BOT_MINIMUM_* an hour, BOT_MINIMUM_TEN_MINUTES_PERCENT of
    it over ten minutes (the minimum guards keys without a baseline to speak of: a new service, a network)."""
    hourly = conf().bot_minimum_of(scope)
    if window == WINDOW_HOUR:
        return float(hourly)
    return hourly * conf().bot_minimum_ten_minutes_percent / 100


def buckets_add(*, signal: str, keys: list[tuple[str, str]], now: datetime) -> dict[tuple[str, str], int]:
    """Counts one event for each (scope, key) in the current ten minutes' buckets, in one statement; returns
    their counts.

    Hand-written SQL: an upsert that adds one (INSERT … ON CONFLICT DO UPDATE, PostgreSQL and SQLite ≥ 3.35),
    which the ORM cannot say; rows are written in `keys`' order, so two events never lock them crosswise."""
    start = connection.ops.adapt_datetimefield_value(slot_of(now))
    values = ", ".join(["(%s, %s, %s, %s, 1)"] * len(keys))
    params: list[Any] = []
    for scope, key in keys:
        params += [signal, scope, key, start]
    quote = connection.ops.quote_name
    table, scope_, key_, count_ = quote(VelocityBucket._meta.db_table), quote("scope"), quote("key"), quote("count")
    columns = f"{quote('signal')}, {scope_}, {key_}, {quote(str(VelocityBucket._meta.get_field('start').column))}"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}, {count_}) VALUES {values} "  # noqa: S608 - our own names
            f"ON CONFLICT ({columns}) DO UPDATE SET {count_} = {table}.{count_} + 1 "
            f"RETURNING {scope_}, {key_}, {count_}",
            params,
        )
        return {(scope, key): count for scope, key, count in cursor.fetchall()}


def current_counts(*, signal: str, scope: str, now: datetime, at_least: int) -> dict[str, int]:
    """The keys of one scope whose buckets of the last hour and ten minutes (all that a sliding window can
    hold) add up to `at_least` events: {key: the current ten minutes' count}. Only they can be near a
    threshold."""
    slot = slot_of(now)
    rows = (
        VelocityBucket.objects.filter(
            signal=signal, scope=scope, start__gte=slot - SLOT * SLOTS_PER_HOUR, start__lte=slot
        )
        .values("key")
        .annotate(current=Coalesce(Sum("count", filter=Q(start=slot)), 0), held=Sum("count"))
        .filter(held__gte=at_least)  # summed and filtered by the database: most keys are far below
        .order_by()
    )
    return {row["key"]: row["current"] for row in rows}


def sliding_count(*, current: int, past: tuple[int, ...], now: datetime) -> float:
    """The current ten minutes, the whole buckets after the oldest of `past`, and the share of the oldest
    still inside the window."""
    if not past:
        return float(current)
    into = (now - slot_of(now)) / SLOT
    return current + sum(past[1:]) + past[0] * (1 - into)


# One process's baselines: {(signal, scope, key, ten minutes): {window's name: Baseline}}. A baseline reads only
# past buckets, so it holds for the current ten minutes; the dictionary is emptied when they change, or when it
# grows large.
_baselines: dict[tuple[str, str, str, datetime], dict[str, Baseline]] = {}
_BASELINES_KEPT = 20_000
_left_out: dict[datetime, set[datetime]] = {}  # {hour: the baseline hours attack mode covered}
_KEYS_PER_QUERY = 100


def baselines_of(
    *, signal: str, keys: list[tuple[str, str]], now: datetime, fresh: bool = False
) -> dict[tuple[str, str], dict[str, Baseline]]:
    """The baselines of `keys` ((scope, key) pairs), by window, for the current ten minutes: those this process
    has not read yet (all of them when `fresh`) in one query per 100 keys."""
    hour, slot = hour_of(now), slot_of(now)
    oldest = next(iter(_baselines), None)
    if len(_baselines) >= _BASELINES_KEPT or (oldest is not None and oldest[3] != slot):
        baselines_forget()
    if fresh or hour not in _left_out:
        since = hour - timedelta(days=conf().bot_baseline_days) - HOUR
        _left_out[hour] = attack_mode_hours(since=since, until=hour - HOUR)
    missing = [pair for pair in keys if fresh or (signal, *pair, slot) not in _baselines]
    for start in range(0, len(missing), _KEYS_PER_QUERY):
        chunk = missing[start : start + _KEYS_PER_QUERY]
        history = _history(signal=signal, keys=chunk, slot=slot)
        for scope, key in chunk:
            _baselines[(signal, scope, key, slot)] = _baseline(history.get((scope, key), {}), scope=scope, slot=slot)
    return {pair: _baselines[(signal, *pair, slot)] for pair in keys}


def baseline_of(
    *, signal: str, scope: str, key: str, now: datetime, window: Window = WINDOW_HOUR, fresh: bool = False
) -> Baseline:
    return baselines_of(signal=signal, keys=[(scope, key)], now=now, fresh=fresh)[(scope, key)][window.name]


def baselines_forget() -> None:
    """Forgets this process's baselines (a test that writes past buckets, or after switching attack mode)."""
    _baselines.clear()
    _left_out.clear()


def _sample_hours(hour: datetime) -> list[datetime]:
    """The same time of day, one hour either side, on each of the BOT_BASELINE_DAYS previous days."""
    days = conf().bot_baseline_days
    return [hour - timedelta(days=day) + HOUR * side for day in range(1, days + 1) for side in (-1, 0, 1)]


def _history(*, signal: str, keys: list[tuple[str, str]], slot: datetime) -> dict[tuple[str, str], dict[datetime, int]]:
    """The buckets of `keys` a baseline reads: the sample hours', and those of the last hour before `slot`."""
    wanted = Q()
    for scope, key in keys:
        wanted |= Q(scope=scope, key=key)
    hours = _sample_hours(hour_of(slot))
    when = Q(start__gte=slot - SLOT * SLOTS_PER_HOUR, start__lt=slot)
    for day in range(0, len(hours), 3):  # each day's three hours are one span
        when |= Q(start__gte=hours[day], start__lt=hours[day + 2] + HOUR)
    rows = VelocityBucket.objects.filter(wanted, when, signal=signal)
    history: dict[tuple[str, str], dict[datetime, int]] = {}
    for scope, key, at, count in rows.values_list("scope", "key", "start", "count"):
        history.setdefault((scope, key), {})[at] = count
    return history


def _baseline(counts: dict[datetime, int], *, scope: str, slot: datetime) -> dict[str, Baseline]:
    """Per window: its past buckets, and the mean and spread of its counts over the sample hours (the hour's
    clock hours, the ten minutes' buckets), hours in attack mode left out."""
    hour = hour_of(slot)
    hours = [sample for sample in _sample_hours(hour) if sample not in _left_out[hour]]
    baselines = {}
    for window in WINDOWS:
        kept = [
            sum(counts.get(start + SLOT * n, 0) for n in range(window.slots))
            for sample in hours
            for start in (sample + SLOT * first for first in range(0, SLOTS_PER_HOUR, window.slots))
        ]
        mean = sum(kept) / len(kept) if kept else 0.0
        spread = math.sqrt(sum((count - mean) ** 2 for count in kept) / len(kept)) if kept else 0.0
        stdev = max(spread, math.sqrt(mean))
        baselines[window.name] = Baseline(
            past=tuple(counts.get(slot - SLOT * back, 0) for back in range(window.slots, 0, -1)),
            mean=mean,
            stdev=stdev,
            threshold=threshold_of(mean=mean, stdev=stdev, minimum=minimum_of(scope, window)),
        )
    return baselines


def threshold_of(*, mean: float, stdev: float, minimum: float) -> float:
    """max(minimum, mean x BOT_THRESHOLD_MEAN_PERCENT / 100 + k x stdev + k² / 4), k = BOT_THRESHOLD_STDEVS.

    The k² / 4 is the skew of small counts: a Poisson count of mean m goes past m + k√m far more often than a
    normal variable would, whereas its square root has a spread of 1/2 whatever m: (√m + k/2)² = m + k√m + k²/4.
    People alone at 240 identity steps an hour trip attack mode on 2.5 % of days over the hour alone, 5.5 % with
    the ten minutes; without it, 25 % and 48 % (bench/velocity_false_alarms.py, 200 days)."""
    config = conf()
    stdevs = config.bot_threshold_stdevs
    level = mean * config.bot_threshold_mean_percent / 100 + stdevs * stdev + stdevs**2 / 4
    return max(minimum, level)


def readings_of(
    *, signal: str, counts: dict[tuple[str, str], int], now: datetime, fresh: bool = False
) -> list[Reading]:
    """Each window of each (scope, key) of `counts` (their current ten minutes' count) against its baseline."""
    baselines = baselines_of(signal=signal, keys=list(counts), now=now, fresh=fresh)
    readings = []
    for (scope, key), current in counts.items():
        for window in WINDOWS:
            baseline = baselines[(scope, key)][window.name]
            count = sliding_count(current=current, past=baseline.past, now=now)
            readings.append(Reading(signal=signal, scope=scope, key=key, window=window, count=count, baseline=baseline))
    return readings


def reading_of(
    *, signal: str, scope: str, key: str, current: int, now: datetime, window: Window = WINDOW_HOUR, fresh: bool = False
) -> Reading:
    readings = readings_of(signal=signal, counts={(scope, key): current}, now=now, fresh=fresh)
    return next(reading for reading in readings if reading.window == window)


def buckets_purge(*, now: datetime) -> int:
    """Buckets older than every baseline are of no use."""
    days = conf().bot_baseline_days
    deleted, _ = VelocityBucket.objects.filter(start__lt=hour_of(now) - timedelta(days=days + 1)).delete()
    return deleted
