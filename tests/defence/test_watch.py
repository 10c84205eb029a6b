"""R-BOT1: the service switches attack mode on by itself on a burst, tells supervisors (log, metrics), and
switches it off once the signals have fallen (hysteresis)."""

import logging
import math
from dataclasses import replace
from datetime import timedelta

import pytest
from django.db import OperationalError

from moncompte.core import clock
from moncompte.defence import watch
from moncompte.defence.keys import ACCOUNT, GLOBAL, IDENTITY
from moncompte.defence.mode import AUTOMATIC, SUPERVISOR, attack_mode_active, attack_mode_state, attack_mode_switch
from moncompte.defence.velocity import WINDOW_HOUR, WINDOW_TEN_MINUTES, baseline_of, sliding_count
from moncompte.defence.watch import attack_mode_watch, velocity_record
from tests.defence.helpers import buckets_put, hours_put

pytestmark = pytest.mark.django_db


def burst(count: int, *, traveller, signal=IDENTITY, address=None, email=None, postal_code=None, every=1.0):
    """`count` events a second apart (by default each from its own network, domain and département)."""
    for n in range(count):
        velocity_record(
            signal=signal,
            address=address or f"10.{n // 250}.{n % 250}.7",
            email=email or f"p{n}@domaine{n}.fr",
            postal_code=postal_code or f"{n % 90 + 10:02d}000",
            now=clock.now(),
        )
        traveller.shift(timedelta(seconds=every))


def test_r_bot1_a_burst_switches_attack_mode_on_by_itself(traveller, settings, caplog):
    """Without a baseline, 51 identities in ten minutes (half the hour's minimum of 100)."""
    minimum = settings.MONCOMPTE.bot_minimum_global * settings.MONCOMPTE.bot_minimum_ten_minutes_percent // 100
    burst(minimum, traveller=traveller)
    assert not attack_mode_active(now=clock.now())
    with caplog.at_level(logging.WARNING, logger="moncompte.defence"):
        burst(1, traveller=traveller)
    state = attack_mode_state()
    assert state.active
    assert state.source == AUTOMATIC
    assert state.signal == {
        "signal": IDENTITY,
        "scope": GLOBAL,
        "key": "",
        "window": "ten_minutes",
        "count": minimum + 1,
        "threshold": minimum,
        "mean": 0.0,
        "stdev": 0.0,
    }
    warning = next(record for record in caplog.records if record.levelno == logging.WARNING)
    assert (
        "identités vérifiées (au total) : 51 en dix minutes glissantes, seuil 50 (référence 0,0 ± 0,0 par dix "
        "minutes)" in warning.getMessage()
    )


def test_r_bot1_a_burst_spread_over_the_hour_trips_the_sliding_hour(traveller, settings, now):
    """20 identities in each of five ten minutes stay under the ten minutes' minimum (50); the 101st trips the
    hour's (100)."""
    buckets_put(signal=IDENTITY, scope=GLOBAL, key="", counts={now + timedelta(minutes=10 * n): 20 for n in range(5)})
    traveller.move_to(now + timedelta(minutes=55))
    burst(1, traveller=traveller)
    state = attack_mode_state()
    assert state.active
    assert (state.signal["window"], state.signal["count"], state.signal["threshold"]) == ("hour", 101, 100)


@pytest.mark.parametrize(
    ("where", "minimum"),
    [
        ({"address": "198.51.100.9"}, "BOT_MINIMUM_NETWORK"),
        ({"email": "lot@jetable.example"}, "BOT_MINIMUM_DOMAIN"),
        ({"postal_code": "97600"}, "BOT_MINIMUM_DEPARTEMENT"),
    ],
)
def test_r_bot1_one_network_domain_or_departement_alone_switches_it_on(traveller, settings, where, minimum):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, bot_minimum_global=10_000)
    percent = settings.MONCOMPTE.bot_minimum_ten_minutes_percent
    hourly = settings.MONCOMPTE.bot_minimum_of(minimum.removeprefix("BOT_MINIMUM_").lower())
    burst(hourly * percent // 100, traveller=traveller, **where)  # over ten minutes
    assert not attack_mode_active(now=clock.now())
    burst(1, traveller=traveller, **where)
    assert attack_mode_state().signal["scope"] == minimum.removeprefix("BOT_MINIMUM_").lower()


def test_r_bot1_a_network_is_shown_to_supervisors_but_logged_under_a_pseudonym(traveller, settings, caplog):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, bot_minimum_global=10_000)
    with caplog.at_level(logging.WARNING, logger="moncompte.defence"):
        burst(settings.MONCOMPTE.bot_minimum_network + 1, traveller=traveller, address="198.51.100.9")
    assert attack_mode_state().signal["key"] == "198.51.100.0/24"
    assert "198.51.100" not in caplog.text
    assert "réseau n°" in caplog.text


def test_r_bot1_accounts_created_are_a_signal_too(traveller, settings):
    burst(settings.MONCOMPTE.bot_minimum_global + 1, traveller=traveller, signal=ACCOUNT)
    assert attack_mode_state().signal["signal"] == ACCOUNT


def steady_baseline(now, *, per_hour: int) -> None:
    """Seven days (and the last hour) of `per_hour` identity successes an hour, everywhere alike."""
    hours = {now - timedelta(hours=hours): per_hour for hours in range(1, 7 * 24 + 3)}
    hours_put(signal=IDENTITY, scope=GLOBAL, key="", counts=hours)


def test_r_bot1_a_steady_high_baseline_does_not_trip_it(traveller, now):
    steady_baseline(now, per_hour=500)  # 83 or 84 every ten minutes
    buckets_put(signal=IDENTITY, scope=GLOBAL, key="", counts={now: 40})
    traveller.shift(timedelta(minutes=5))
    assert attack_mode_watch(now=clock.now()) == 0  # 40 + 83 x 1/2 in ten minutes, 40 + 458 in the hour
    burst(40, traveller=traveller, every=7.4)  # the usual pace: 80 in ten minutes (threshold 83 + 4 x 9 + 4 = 124)
    assert attack_mode_watch(now=clock.now()) == 0
    assert not attack_mode_active(now=clock.now())


def test_r_bot1_a_burst_an_hour_would_absorb_trips_the_ten_minutes(traveller, now):
    """60 more in a minute is within a busy hour's noise (558 in it, threshold 500 + 4 x 22 + 4 = 593), not
    within ten minutes' (83 + 4 x 9 + 4 = 124)."""
    steady_baseline(now, per_hour=500)
    buckets_put(signal=IDENTITY, scope=GLOBAL, key="", counts={now: 40})
    traveller.shift(timedelta(minutes=5))
    burst(60, traveller=traveller)
    state = attack_mode_state()
    assert state.active
    assert state.signal["window"] == WINDOW_TEN_MINUTES.name
    hour = baseline_of(signal=IDENTITY, scope=GLOBAL, key="", now=clock.now())
    assert sliding_count(current=40 + 60, past=hour.past, now=clock.now()) < hour.threshold  # the hour: 558


def test_r_bot1_above_its_baseline_the_same_hour_trips_it(traveller, settings, now):
    """The hour alone (the ten minutes' minimum set out of reach): just over 4 standard deviations (and 4)."""
    settings.MONCOMPTE = replace(settings.MONCOMPTE, bot_minimum_ten_minutes_percent=100_000)
    steady_baseline(now, per_hour=500)
    buckets_put(signal=IDENTITY, scope=GLOBAL, key="", counts={now: 40})
    traveller.shift(timedelta(minutes=5))
    hour = baseline_of(signal=IDENTITY, scope=GLOBAL, key="", now=clock.now())
    assert hour.threshold == pytest.approx(500 + 4 * math.sqrt(500) + 4)
    under = math.floor(hour.threshold - sliding_count(current=40, past=hour.past, now=clock.now()))
    burst(under, traveller=traveller, every=0.01)
    assert not attack_mode_state().active
    burst(1, traveller=traveller, every=0.01)
    assert attack_mode_state().signal["window"] == WINDOW_HOUR.name


def test_r_bot1_the_periodic_job_switches_on_what_the_write_path_missed(traveller, settings, now):
    """Events counted by a process that could not decide (or another process's buckets): the job sees them."""
    buckets_put(signal=IDENTITY, scope=GLOBAL, key="", counts={now: settings.MONCOMPTE.bot_minimum_global + 1})
    assert attack_mode_watch(now=now) == 1
    assert attack_mode_state().active


def engaged_by_a_burst(traveller, settings):
    burst(settings.MONCOMPTE.bot_minimum_global + 1, traveller=traveller, every=0.1)
    assert attack_mode_state().active
    return attack_mode_state().since


def test_r_bot1_it_switches_back_off_when_the_signals_fall(traveller, settings):
    since = engaged_by_a_burst(traveller, settings)
    traveller.move_to(since + settings.MONCOMPTE.attack_mode_min_duration - timedelta(minutes=1))
    assert attack_mode_watch(now=clock.now()) == 0  # not before it has lasted its minimum
    traveller.move_to(since + timedelta(hours=2))  # the sliding hour is empty
    assert attack_mode_watch(now=clock.now()) == 1
    state = attack_mode_state()
    assert not state.active
    assert state.source == AUTOMATIC
    assert state.since == clock.now()
    assert not attack_mode_active(now=clock.now())


def test_r_bot1_hysteresis_it_stays_on_until_signals_are_well_below_the_threshold(traveller, settings, now):
    """Above BOT_RELEASE_PERCENT of the threshold it stays on, even below the threshold itself."""
    since = engaged_by_a_burst(traveller, settings)  # 101 identities in the 9:00 ten minutes
    traveller.move_to(now + timedelta(minutes=55))  # they are all in the sliding hour, over half of 100
    assert attack_mode_watch(now=clock.now()) == 0
    traveller.move_to(now + timedelta(hours=1, minutes=2))  # 101 x 8/10 = 81 of them
    assert attack_mode_watch(now=clock.now()) == 0
    assert attack_mode_state().active
    traveller.move_to(now + timedelta(hours=1, minutes=6))  # 101 x 4/10 = 40, under half of 100
    assert clock.now() - since >= settings.MONCOMPTE.attack_mode_min_duration
    assert attack_mode_watch(now=clock.now()) == 1
    assert not attack_mode_state().active


def test_r_bot1_a_supervisor_s_attack_mode_is_not_ended_by_quiet_signals(traveller, settings, now):
    attack_mode_switch(active=True, now=now, source=SUPERVISOR, reason="fuite annoncée", staff_username="sup")
    traveller.move_to(now + timedelta(hours=3))
    assert attack_mode_watch(now=clock.now()) == 0
    assert attack_mode_state().active


def test_r_bot1_a_database_error_while_counting_never_fails_the_request(traveller, monkeypatch, caplog):
    def unreachable(**kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(watch, "buckets_add", unreachable)
    with caplog.at_level(logging.ERROR, logger="moncompte.defence"):
        burst(1, traveller=traveller)  # does not raise
    assert "non compté" in caplog.text
