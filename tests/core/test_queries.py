"""R-CAP4: the fixed-window counters without Redis: one database row per (scope, key, window), counted up in
place, on SQLite and on PostgreSQL (this file runs on both)."""

from datetime import timedelta

import pytest

from moncompte.core import throttle
from moncompte.core.models import WindowCounter
from moncompte.core.queries import WindowCounts, window_counter_add

pytestmark = pytest.mark.django_db
HOUR = 3600


def test_the_first_event_of_a_window_creates_its_row_and_the_next_ones_count_it_up():
    assert window_counter_add(scope="s", key="k", started=7200, seconds=HOUR) == WindowCounts(current=1, previous=0)
    assert window_counter_add(scope="s", key="k", started=7200, seconds=HOUR) == WindowCounts(current=2, previous=0)
    assert WindowCounter.objects.get().events == 2


def test_the_previous_window_is_read_in_the_same_statement():
    for _ in range(3):
        window_counter_add(scope="s", key="k", started=3600, seconds=HOUR)
    assert window_counter_add(scope="s", key="k", started=7200, seconds=HOUR) == WindowCounts(current=1, previous=3)
    assert WindowCounter.objects.count() == 2


def test_scopes_keys_and_windows_are_counted_apart():
    window_counter_add(scope="s", key="k", started=7200, seconds=HOUR)
    assert window_counter_add(scope="t", key="k", started=7200, seconds=HOUR).current == 1
    assert window_counter_add(scope="s", key="j", started=7200, seconds=HOUR).current == 1
    assert window_counter_add(scope="s", key="k", started=10800, seconds=HOUR) == WindowCounts(current=1, previous=1)


def test_many_events_write_no_more_rows_than_windows_R_CAP4(settings, now):
    settings.REDIS_URL = ""
    limit = throttle.Limit("test_window", 1000, timedelta(hours=1))
    for second in range(0, 200):
        throttle.window_count(limit, key="a page shown again and again", now=now + timedelta(seconds=second))
    assert list(WindowCounter.objects.values_list("events", flat=True)) == [200]


def test_old_counters_are_purged_with_the_events(settings, now):
    settings.REDIS_URL = ""
    limit = throttle.Limit("test_window", 10, timedelta(hours=1))
    throttle.window_count(limit, key="k", now=now - timedelta(days=3))
    throttle.window_count(limit, key="k", now=now - timedelta(hours=1))
    assert throttle.events_purge(now=now) == 1
    assert WindowCounter.objects.count() == 1
