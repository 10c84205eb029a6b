"""R-BOT1: velocity signals counted in ten-minute buckets, read over the sliding hour and the sliding ten
minutes, and compared with the same window in their own 7-day baseline."""

import math
from dataclasses import replace
from datetime import timedelta

import pytest

from moncompte.defence.keys import GLOBAL, IDENTITY, NETWORK
from moncompte.defence.mode import AUTOMATIC, SUPERVISOR, attack_mode_switch
from moncompte.defence.models import VelocityBucket
from moncompte.defence.velocity import (
    WINDOW_HOUR,
    WINDOW_TEN_MINUTES,
    baseline_of,
    buckets_add,
    buckets_purge,
    current_counts,
    reading_of,
    sliding_count,
    threshold_of,
)
from tests.defence.helpers import buckets_put, hours_put, spread

pytestmark = pytest.mark.django_db

KEYS = [("global", ""), ("network", "203.0.113.0/24")]


def test_r_bot1_events_of_the_same_ten_minutes_share_one_row_per_key(now):
    buckets_add(signal=IDENTITY, keys=KEYS, now=now)
    counts = buckets_add(signal=IDENTITY, keys=KEYS, now=now + timedelta(minutes=9, seconds=59))
    assert counts == {("global", ""): 2, ("network", "203.0.113.0/24"): 2}
    assert VelocityBucket.objects.count() == 2
    buckets_add(signal=IDENTITY, keys=KEYS, now=now + timedelta(minutes=10))
    assert VelocityBucket.objects.count() == 4


def test_r_bot1_a_sliding_window_weighs_the_share_of_its_oldest_bucket_still_inside_it(now):
    assert sliding_count(current=10, past=(40,), now=now) == 50  # ten minutes: the previous bucket whole
    assert sliding_count(current=10, past=(40,), now=now + timedelta(minutes=7, seconds=30)) == 20
    # the hour: five whole buckets and the share of the sixth
    assert sliding_count(current=10, past=(60, 1, 1, 1, 1, 1), now=now + timedelta(minutes=5)) == 10 + 5 + 30
    assert sliding_count(current=10, past=(), now=now) == 10


def test_r_bot1_without_a_baseline_the_scope_minimum_is_the_threshold(now, settings):
    minimum = settings.MONCOMPTE.bot_minimum_global
    assert baseline_of(signal=IDENTITY, scope=GLOBAL, key="", now=now).threshold == minimum
    assert baseline_of(signal=IDENTITY, scope=NETWORK, key="x", now=now).threshold == (
        settings.MONCOMPTE.bot_minimum_network
    )
    percent = settings.MONCOMPTE.bot_minimum_ten_minutes_percent
    assert baseline_of(signal=IDENTITY, scope=GLOBAL, key="", now=now, window=WINDOW_TEN_MINUTES).threshold == (
        minimum * percent / 100
    )


def test_r_bot1_the_baseline_is_the_same_time_of_day_on_the_previous_days(now):
    """Busy mornings, quiet nights: 9 o'clock is compared with the 8-10 o'clock of the last 7 days only."""
    counts = {now - timedelta(hours=hours): 60 for hours in range(1, 7 * 24 + 2)}
    for day in range(1, 8):
        for side in (-1, 0, 1):
            counts[now - timedelta(days=day) + timedelta(hours=side)] = 600
    hours_put(signal=IDENTITY, scope=GLOBAL, key="", counts=counts)
    at_half_past = now + timedelta(minutes=30)
    hour = baseline_of(signal=IDENTITY, scope=GLOBAL, key="", now=at_half_past)
    assert hour.mean == 600
    assert hour.stdev == pytest.approx(math.sqrt(600))  # no spread: counts are Poisson-like at least
    assert hour.threshold == pytest.approx(600 + 4 * math.sqrt(600) + 4)  # and 4² / 4 for the skew of counts
    assert hour.past == (10, 10, 10, 0, 0, 0)  # 8:30 to 9:20: the buckets of the sliding hour before 9:30
    ten = baseline_of(signal=IDENTITY, scope=GLOBAL, key="", now=at_half_past, window=WINDOW_TEN_MINUTES)
    assert ten.mean == 100  # the same hours, ten minutes at a time
    assert ten.threshold == pytest.approx(100 + 4 * 10 + 4)
    assert ten.past == (0,)


def test_r_bot1_the_spread_of_the_ten_minutes_is_their_own(now):
    """Hours alike but ten minutes that are not (people come in waves): the ten minutes' threshold widens, the
    hour's does not."""
    waves = [300, 0, 0, 300, 0, 0]
    buckets_put(
        signal=IDENTITY,
        scope=GLOBAL,
        key="",
        counts={
            now - timedelta(days=day, hours=side) + timedelta(minutes=10 * n): count
            for day in range(1, 8)
            for side in (-1, 0, 1)
            for n, count in enumerate(waves)
        },
    )
    assert baseline_of(signal=IDENTITY, scope=GLOBAL, key="", now=now).stdev == pytest.approx(math.sqrt(600))
    ten = baseline_of(signal=IDENTITY, scope=GLOBAL, key="", now=now, window=WINDOW_TEN_MINUTES)
    assert ten.mean == 100
    assert ten.stdev == pytest.approx(math.sqrt(20_000))


def test_r_bot1_the_threshold_follows_the_settings(now, settings):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, bot_threshold_mean_percent=200, bot_threshold_stdevs=2)
    hours_put(signal=IDENTITY, scope=GLOBAL, key="", counts={now - timedelta(days=d): 400 for d in range(1, 8)})
    baseline = baseline_of(signal=IDENTITY, scope=GLOBAL, key="", now=now)
    mean = 400 * 7 / 21  # the hours either side had nothing
    spread_ = math.sqrt((7 * (400 - mean) ** 2 + 14 * mean**2) / 21)
    assert baseline.threshold == pytest.approx(2 * mean + 2 * spread_ + 2**2 / 4)


def test_r_bot1_hours_spent_in_attack_mode_are_left_out_of_the_baseline(now):
    """An attack yesterday at this time must not teach the baseline to expect today's."""
    yesterday = now - timedelta(days=1)
    counts = {now - timedelta(days=d) + timedelta(hours=side): 120 for d in range(1, 8) for side in (-1, 0, 1)}
    counts[yesterday] = 5000
    hours_put(signal=IDENTITY, scope=GLOBAL, key="", counts=counts)
    attack_mode_switch(active=True, now=yesterday + timedelta(minutes=5), source=AUTOMATIC, reason="s")
    attack_mode_switch(active=False, now=yesterday + timedelta(minutes=50), source=SUPERVISOR, reason="fin")
    assert baseline_of(signal=IDENTITY, scope=GLOBAL, key="", now=now).mean == 120
    assert baseline_of(signal=IDENTITY, scope=GLOBAL, key="", now=now, window=WINDOW_TEN_MINUTES).mean == 20


def test_r_bot1_a_reading_compares_the_sliding_hour_with_its_threshold(now, settings):
    minimum = settings.MONCOMPTE.bot_minimum_network  # 10: half of it (5) over ten minutes
    buckets_put(signal=IDENTITY, scope=NETWORK, key="n", counts={now + timedelta(minutes=30): minimum})
    at = now + timedelta(hours=1, minutes=35)  # half of the 9:30 bucket still in the sliding hour
    for current, over in ((4, False), (5, False), (6, True)):
        hour = reading_of(signal=IDENTITY, scope=NETWORK, key="n", current=current, now=at)
        assert (hour.window, hour.count, hour.over) == (WINDOW_HOUR, current + minimum / 2, over)
    ten = reading_of(signal=IDENTITY, scope=NETWORK, key="n", current=5, now=at, window=WINDOW_TEN_MINUTES)
    assert (ten.count, ten.over) == (5, False)


def test_r_bot1_a_reading_compares_the_sliding_ten_minutes_with_their_threshold(now):
    buckets_put(signal=IDENTITY, scope=NETWORK, key="n", counts={now + timedelta(minutes=20): 4})
    at = now + timedelta(minutes=35)  # half of the 9:20 bucket still in the ten minutes
    for current, over in ((3, False), (4, True)):
        ten = reading_of(signal=IDENTITY, scope=NETWORK, key="n", current=current, now=at, window=WINDOW_TEN_MINUTES)
        assert (ten.count, ten.over) == (current + 2, over)
        assert not reading_of(signal=IDENTITY, scope=NETWORK, key="n", current=current, now=at).over  # the hour


def test_r_bot1_the_threshold_allows_for_the_long_tail_of_small_counts(settings):
    """A count of mean m goes past m + 4√m far more often than a normal variable would: its square root, whose
    spread is 1/2, gives the threshold (√m + 2)²; the scope's minimum still comes first."""
    assert threshold_of(mean=9, stdev=3, minimum=0) == (3 + 2) ** 2
    assert threshold_of(mean=9, stdev=3, minimum=30) == 30


def test_r_bot1_hourly_counts_migrated_keep_each_hour_s_sum():
    assert spread(500) == [84, 84, 83, 83, 83, 83]
    assert spread(1) == [1, 0, 0, 0, 0, 0]


def test_r_bot1_buckets_older_than_every_baseline_are_purged(now, settings):
    days = settings.MONCOMPTE.bot_baseline_days
    old, kept = now - timedelta(days=days + 1, minutes=10), now - timedelta(days=days + 1)
    buckets_put(signal=IDENTITY, scope=GLOBAL, key="", counts={old: 1, kept: 1})
    assert buckets_purge(now=now) == 1
    assert list(VelocityBucket.objects.values_list("start", flat=True)) == [kept]


def test_r_bot1_only_keys_near_their_minimum_are_read_by_the_periodic_job(now):
    buckets_put(signal=IDENTITY, scope=NETWORK, key="a", counts={now: 3, now - timedelta(minutes=50): 2})
    buckets_put(signal=IDENTITY, scope=NETWORK, key="b", counts={now: 4})
    buckets_put(signal=IDENTITY, scope=NETWORK, key="c", counts={now - timedelta(minutes=70): 50})  # out of it
    buckets_put(signal=IDENTITY, scope=NETWORK, key="d", counts={now - timedelta(minutes=60): 5})  # its edge
    assert current_counts(signal=IDENTITY, scope=NETWORK, now=now, at_least=5) == {"a": 3, "d": 0}
