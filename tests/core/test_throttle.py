from datetime import timedelta

import pytest
import redis

from moncompte.core import throttle
from moncompte.core.errors import TooManyAttempts
from tests.helpers import TEST_REDIS_URL

LIMIT = throttle.Limit("test", 3, timedelta(hours=1))


@pytest.fixture(params=["database", pytest.param("redis", marks=pytest.mark.redis)])
def store(request, settings, db):
    if request.param == "redis":
        settings.REDIS_URL = TEST_REDIS_URL
        redis.Redis.from_url(settings.REDIS_URL).flushdb()
    else:
        settings.REDIS_URL = ""
    return request.param


def test_events_under_the_limit_pass_R_SEC4(store, now):
    for minute in range(2):
        throttle.hit(LIMIT, key="k", now=now + timedelta(minutes=minute))
    throttle.check(LIMIT, key="k", now=now + timedelta(minutes=3))


def test_the_limit_blocks_and_tells_how_long_to_wait_R_ID2(store, now):
    for minute in range(3):
        throttle.hit(LIMIT, key="k", now=now + timedelta(minutes=minute))
    with pytest.raises(TooManyAttempts) as blocked:
        throttle.check(LIMIT, key="k", now=now + timedelta(minutes=10))
    assert blocked.value.retry_after == timedelta(minutes=50)
    assert "50 minutes" in blocked.value.message


def test_the_window_slides_R_ID2(store, now):
    for minute in range(3):
        throttle.hit(LIMIT, key="k", now=now + timedelta(minutes=minute))
    throttle.check(LIMIT, key="k", now=now + timedelta(hours=1, seconds=1))


def test_keys_are_counted_apart(store, now):
    for _ in range(3):
        throttle.hit(LIMIT, key="a", now=now)
    throttle.check(LIMIT, key="b", now=now)


def test_an_event_taken_back_no_longer_counts_and_clearing_forgets_them_all_R_LIM3(store, now):
    limit = throttle.Limit("test_unhit", 5, timedelta(hours=1))
    first = throttle.hit(limit, key="k", now=now)
    throttle.hit(limit, key="k", now=now)
    throttle.unhit(limit, key="k", event=first)
    assert throttle.count(limit, key="k", now=now) == 1
    throttle.clear(limit, key="k")
    assert throttle.count(limit, key="k", now=now) == 0


def test_a_fixed_window_counter_refuses_past_its_limit_with_the_time_to_wait_R_CAP4(store, now):
    limit = throttle.Limit("test_window", 3, timedelta(hours=1))
    start = now.replace(minute=0, second=0)
    for _ in range(3):
        throttle.window_count(limit, key="k", now=start + timedelta(minutes=15))
    with pytest.raises(TooManyAttempts) as refused:
        throttle.window_count(limit, key="k", now=start + timedelta(minutes=15))
    assert refused.value.retry_after == timedelta(minutes=45)
    throttle.window_count(limit, key="other", now=start + timedelta(minutes=15))


def test_a_fixed_window_counter_weighs_the_previous_window_by_what_is_left_of_it_R_CAP4(store, now):
    limit = throttle.Limit("test_window_edge", 4, timedelta(hours=1))
    start = now.replace(minute=0, second=0)
    for _ in range(4):
        throttle.window_count(limit, key="k", now=start + timedelta(minutes=59))
    # At a quarter past, three quarters of the previous hour still count: 4 × 0.75 + 1 = 4 passes, not 2 more.
    throttle.window_count(limit, key="k", now=start + timedelta(hours=1, minutes=15))
    with pytest.raises(TooManyAttempts):
        throttle.window_count(limit, key="k", now=start + timedelta(hours=1, minutes=15))
    throttle.window_count(limit, key="k", now=start + timedelta(hours=1, minutes=50))
