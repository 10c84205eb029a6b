import threading
from datetime import datetime, timedelta

import pytest
import redis

from moncompte.core import throttle, throttle_stores
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


def test_an_event_counted_with_its_window_reads_itself_and_the_earlier_ones_oldest_first_R_LIM3(store, now):
    throttle.hit(LIMIT, key="k", now=now - timedelta(hours=2))  # out of the window
    throttle.hit(LIMIT, key="k", now=now - timedelta(minutes=5))
    handle, times = throttle.hit_then_times(LIMIT, key="k", now=now)
    assert times == [now - timedelta(minutes=5), now]
    _, last_minute = throttle.hit_then_times(LIMIT, key="k", now=now, since=now - timedelta(minutes=1))
    assert last_minute == [now, now]
    throttle.unhit(LIMIT, key="k", event=handle)
    assert throttle.count(LIMIT, key="k", now=now) == 2


def test_a_limit_counted_first_lets_the_last_event_in_and_refuses_the_next_with_its_wait_R_LIM3(store, now):
    for minute in range(3):
        assert throttle.hit_first(LIMIT, key="k", now=now + timedelta(minutes=minute))[1] is None
    handle, wait = throttle.hit_first(LIMIT, key="k", now=now + timedelta(minutes=10))
    assert wait == timedelta(minutes=50)
    throttle.unhit(LIMIT, key="k", event=handle)
    assert throttle.count(LIMIT, key="k", now=now + timedelta(minutes=10)) == 3


def test_several_windows_read_at_once_answer_each_for_its_own_key_and_limit(store, now):
    other = throttle.Limit("test_other", 1, timedelta(minutes=10))
    for _ in range(3):
        throttle.hit(LIMIT, key="a", now=now)
    throttle.hit(other, key="b", now=now - timedelta(minutes=20))  # out of its shorter window
    assert throttle.count_each([(LIMIT, "a"), (other, "b"), (LIMIT, "b")], now=now) == [3, 0, 0]
    assert throttle.first_retry_after([(other, "b"), (LIMIT, "b")], now=now) is None
    assert throttle.first_retry_after([(other, "b"), (LIMIT, "a")], now=now) == timedelta(hours=1)
    throttle.hit(LIMIT, key="c", now=now)
    assert throttle.check_each([(other, "b"), (LIMIT, "c"), (LIMIT, "b")], now=now) == [0, 1, 0]  # what each holds
    assert throttle.retry_after_each([(LIMIT, "a"), (other, "b"), (LIMIT, "b")], now=now) == [
        timedelta(hours=1),
        None,
        None,
    ]
    with pytest.raises(TooManyAttempts) as full:
        throttle.check_each([(other, "b"), (LIMIT, "a")], now=now + timedelta(minutes=1), field="nir")
    assert (full.value.retry_after, full.value.field) == (timedelta(minutes=59), "nir")


def test_several_limits_counted_at_once_each_count_one_event_in_its_own_window(store, now):
    other = throttle.Limit("test_other", 5, timedelta(minutes=10))
    handles = throttle.hit_each([(LIMIT, "a"), (other, "a"), (LIMIT, "b")], now=now)
    assert len(set(handles)) == 3
    assert throttle.count_each([(LIMIT, "a"), (other, "a"), (LIMIT, "b")], now=now) == [1, 1, 1]
    later = now + timedelta(minutes=30)
    assert throttle.count_each([(LIMIT, "a"), (other, "a")], now=later) == [1, 0]  # each in its own window
    throttle.unhit_each([(LIMIT, "a", handles[0]), (other, "a", handles[1])])
    assert throttle.count_each([(LIMIT, "a"), (other, "a"), (LIMIT, "b")], now=now) == [0, 0, 1]


def test_several_events_taken_back_at_once_each_leave_their_own_window(store, now):
    other = throttle.Limit("test_other", 5, timedelta(hours=1))
    kept = throttle.hit(LIMIT, key="a", now=now)
    events = [(LIMIT, "a", throttle.hit(LIMIT, key="a", now=now)), (other, "a", throttle.hit(other, key="a", now=now))]
    throttle.unhit_each(events)
    assert throttle.count_each([(LIMIT, "a"), (other, "a")], now=now) == [1, 0]
    throttle.unhit(LIMIT, key="a", event=kept)
    assert throttle.count(LIMIT, key="a", now=now) == 0


def test_events_taken_back_and_keys_cleared_at_once_R_LIM3(store, now):
    other = throttle.Limit("test_other", 5, timedelta(hours=1))
    throttle.hit(LIMIT, key="kept", now=now)
    taken = throttle.hit(LIMIT, key="a", now=now)
    throttle.hit(LIMIT, key="a", now=now)
    for _ in range(2):
        throttle.hit(other, key="b", now=now)
    throttle.unhit_each([(LIMIT, "a", taken)], cleared=[(other, "b")])
    assert throttle.count_each([(LIMIT, "a"), (other, "b"), (LIMIT, "kept")], now=now) == [1, 0, 1]
    throttle.unhit_each([], cleared=[(LIMIT, "a")])
    assert throttle.count(LIMIT, key="a", now=now) == 0


@pytest.mark.redis
def test_an_event_whose_window_cannot_be_read_is_not_left_counted_on_redis_R_LIM3(settings, db, now, monkeypatch):
    settings.REDIS_URL = TEST_REDIS_URL
    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    store = throttle.store()
    assert isinstance(store, throttle_stores.RedisStore)
    failing = {"left": 1}
    original = store.redis.pipeline

    def pipeline_losing_its_reply(*args, **kwargs):
        pipe = original(*args, **kwargs)
        execute = pipe.execute

        def execute_then_lose_the_reply(*a, **k):
            execute(*a, **k)  # Redis did the work; the answer is lost on the way back
            if failing["left"]:
                failing["left"] -= 1
                raise redis.ConnectionError("connexion perdue")
            return None

        pipe.execute = execute_then_lose_the_reply  # type: ignore[method-assign]
        return pipe

    monkeypatch.setattr(store.redis, "pipeline", pipeline_losing_its_reply)
    with pytest.raises(redis.ConnectionError):
        throttle.hit_then_times(LIMIT, key="k", now=now)
    monkeypatch.undo()
    assert throttle.count(LIMIT, key="k", now=now) == 0


def test_an_event_whose_window_cannot_be_read_is_not_left_counted_in_the_database_R_LIM3(
    settings, db, now, monkeypatch
):
    settings.REDIS_URL = ""

    def failing_read(*args, **kwargs):
        raise RuntimeError("panne")

    monkeypatch.setattr(throttle_stores.DatabaseStore, "times", failing_read)
    with pytest.raises(RuntimeError):
        throttle.hit_then_times(LIMIT, key="k", now=now)
    monkeypatch.undo()
    assert throttle.count(LIMIT, key="k", now=now) == 0


@pytest.mark.django_db
def test_events_counted_after_mine_are_not_read_with_it_so_a_burst_never_refuses_all_of_itself_R_LIM3(now):
    from django.db import connection

    store, window = throttle_stores.DatabaseStore(), timedelta(hours=1)
    others: list[str] = []
    meanwhile = threading.Event()

    def ten_others_count_meanwhile(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        counting = "INSERT INTO" in sql and "core_throttleevent" in sql
        if counting and not meanwhile.is_set():  # between my count and my read
            meanwhile.set()
            others.extend(store.add("burst", "k", now, window) for _ in range(10))
        return result

    with connection.execute_wrapper(ten_others_count_meanwhile):
        _, times = store.add_then_times("burst", "k", now, window, now - window)
    assert len(others) == 10
    assert times == [now]  # mine alone: the ten came after it, and each of them reads its own place
    assert len(store.add_then_times("burst", "k", now, window, now - window)[1]) == 12


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_count_whose_event_is_not_yet_committed_is_waited_for_not_missed_R_LIM3(now):
    """CI saw 6 codes sent to a mailbox capped at 5 by 12 parallel identity steps: an event numbered before mine
    but committed after my read was not in it. Now a count holds the key until its event is committed: the
    next one waits for it and reads it."""
    from django.db import connection, transaction

    store, window = throttle_stores.DatabaseStore(), timedelta(hours=1)
    inserted, release = threading.Event(), threading.Event()
    counted: dict[str, list[datetime]] = {}

    def first() -> None:
        def pause_after_insert(execute, sql, params, many, context):
            result = execute(sql, params, many, context)
            if "INSERT INTO" in sql and "core_throttleevent" in sql:
                inserted.set()
                release.wait(timeout=10)  # not yet committed
            return result

        try:  # its transaction stands for the instant between taking its number and committing its insert
            with connection.execute_wrapper(pause_after_insert), transaction.atomic():
                counted["first"] = store.add_then_times("race", "k", now, window, now - window)[1]
        finally:
            connection.close()

    def second() -> None:
        try:
            counted["second"] = store.add_then_times("race", "k", now, window, now - window)[1]
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    threads[0].start()
    assert inserted.wait(timeout=10)
    threads[1].start()
    threads[1].join(timeout=0.5)  # without the lock it has read by now, without the first event
    release.set()
    for thread in threads:
        thread.join(timeout=10)
    assert (len(counted["first"]), len(counted["second"])) == (1, 2)
