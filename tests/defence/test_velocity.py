"""R-BOT1: velocity signals counted in hourly buckets and compared with their own 7-day baseline."""

import math
from datetime import timedelta

import pytest

from moncompte.defence.keys import GLOBAL, IDENTITY, NETWORK
from moncompte.defence.mode import AUTOMATIC, SUPERVISOR, attack_mode_switch
from moncompte.defence.models import VelocityBucket
from moncompte.defence.velocity import (
    baseline_of,
    buckets_add,
    buckets_purge,
    current_counts,
    reading_of,
    sliding_count,
)
from tests.defence.helpers import buckets_put

pytestmark = pytest.mark.django_db

KEYS = [("global", ""), ("network", "203.0.113.0/24")]


def test_r_bot1_events_of_one_hour_share_one_row_per_key(now):
    buckets_add(signal=IDENTITY, keys=KEYS, now=now)
    counts = buckets_add(signal=IDENTITY, keys=KEYS, now=now + timedelta(minutes=59))
    assert counts == {("global", ""): 2, ("network", "203.0.113.0/24"): 2}
    assert VelocityBucket.objects.count() == 2
    buckets_add(signal=IDENTITY, keys=KEYS, now=now + timedelta(hours=1))
    assert VelocityBucket.objects.count() == 4


def test_r_bot1_the_sliding_hour_weighs_the_share_of_the_previous_hour_still_inside_it(now):
    assert sliding_count(current=10, previous=40, now=now) == 50
    assert sliding_count(current=10, previous=40, now=now + timedelta(minutes=45)) == 20
    assert sliding_count(current=10, previous=40, now=now + timedelta(minutes=59, seconds=59)) == pytest.approx(
        10, abs=0.1
    )


def test_r_bot1_without_a_baseline_the_scope_minimum_is_the_threshold(now, settings):
    assert (
        baseline_of(signal=IDENTITY, scope=GLOBAL, key="", now=now).threshold
        == settings.MONCOMPTE["BOT_MINIMUM_GLOBAL"]
    )
    assert (
        baseline_of(signal=IDENTITY, scope=NETWORK, key="x", now=now).threshold
        == settings.MONCOMPTE["BOT_MINIMUM_NETWORK"]
    )


def test_r_bot1_the_baseline_is_the_same_time_of_day_on_the_previous_days(now):
    """Busy mornings, quiet nights: 9 o'clock is compared with the 8-10 o'clock of the last 7 days only."""
    counts = {now - timedelta(hours=hours): 10 for hours in range(1, 7 * 24 + 2)}
    for day in range(1, 8):
        for side in (-1, 0, 1):
            counts[now - timedelta(days=day) + timedelta(hours=side)] = 1000
    buckets_put(signal=IDENTITY, scope=GLOBAL, key="", counts=counts)
    baseline = baseline_of(signal=IDENTITY, scope=GLOBAL, key="", now=now + timedelta(minutes=30))
    assert baseline.mean == 1000
    assert baseline.stdev == pytest.approx(math.sqrt(1000))  # no spread: counts are Poisson-like at least
    assert baseline.threshold == pytest.approx(1000 + 4 * math.sqrt(1000))
    assert baseline.previous == 10


def test_r_bot1_the_threshold_follows_the_settings(now, settings):
    settings.MONCOMPTE = {**settings.MONCOMPTE, "BOT_THRESHOLD_MEAN_PERCENT": 200, "BOT_THRESHOLD_STDEVS": 2}
    buckets_put(signal=IDENTITY, scope=GLOBAL, key="", counts={now - timedelta(days=d): 400 for d in range(1, 8)})
    baseline = baseline_of(signal=IDENTITY, scope=GLOBAL, key="", now=now)
    mean = 400 * 7 / 21  # the hours either side had nothing
    spread = math.sqrt((7 * (400 - mean) ** 2 + 14 * mean**2) / 21)
    assert baseline.threshold == pytest.approx(2 * mean + 2 * spread)


def test_r_bot1_hours_spent_in_attack_mode_are_left_out_of_the_baseline(now):
    """An attack yesterday at this time must not teach the baseline to expect today's."""
    yesterday = now - timedelta(days=1)
    counts = {now - timedelta(days=d) + timedelta(hours=side): 100 for d in range(1, 8) for side in (-1, 0, 1)}
    counts[yesterday] = 5000
    buckets_put(signal=IDENTITY, scope=GLOBAL, key="", counts=counts)
    attack_mode_switch(active=True, now=yesterday + timedelta(minutes=5), source=AUTOMATIC, reason="s")
    attack_mode_switch(active=False, now=yesterday + timedelta(minutes=50), source=SUPERVISOR, reason="fin")
    assert baseline_of(signal=IDENTITY, scope=GLOBAL, key="", now=now).mean == 100


def test_r_bot1_a_reading_compares_the_sliding_hour_with_its_threshold(now, settings):
    minimum = settings.MONCOMPTE["BOT_MINIMUM_NETWORK"]
    buckets_put(signal=IDENTITY, scope=NETWORK, key="n", counts={now - timedelta(hours=1): minimum})
    at_half_past = now + timedelta(minutes=30)
    assert not reading_of(signal=IDENTITY, scope=NETWORK, key="n", current=minimum // 2, now=at_half_past).over
    assert reading_of(signal=IDENTITY, scope=NETWORK, key="n", current=minimum // 2 + 1, now=at_half_past).over


def test_r_bot1_buckets_older_than_every_baseline_are_purged(now, settings):
    days = settings.MONCOMPTE["BOT_BASELINE_DAYS"]
    old, kept = now - timedelta(days=days + 1, hours=1), now - timedelta(days=days + 1)
    buckets_put(signal=IDENTITY, scope=GLOBAL, key="", counts={old: 1, kept: 1})
    assert buckets_purge(now=now) == 1
    assert list(VelocityBucket.objects.values_list("hour", flat=True)) == [kept]


def test_r_bot1_only_keys_near_their_minimum_are_read_by_the_periodic_job(now):
    buckets_put(signal=IDENTITY, scope=NETWORK, key="a", counts={now: 3, now - timedelta(hours=1): 2})
    buckets_put(signal=IDENTITY, scope=NETWORK, key="b", counts={now: 4})
    buckets_put(signal=IDENTITY, scope=NETWORK, key="c", counts={now - timedelta(hours=2): 50})  # out of the window
    assert current_counts(signal=IDENTITY, scope=NETWORK, now=now, at_least=5) == {"a": (3, 2)}
