"""R-BOT1: the service switches attack mode on by itself when a velocity signal goes over its threshold (over
the sliding hour or the sliding ten minutes), and off when every signal has fallen well below (hysteresis).

Switching on is decided on the write path, at the event that makes a signal go over (a script working as
fast as it can would get a minute's worth of accounts before a periodic job saw it), and by the worker's
periodic job every minute (events counted by a process that failed to decide, and the accounts signal).
Switching off is decided only by the periodic job.
"""

import logging
import math
from datetime import datetime

from django.db import DatabaseError, connection, transaction

from moncompte.core import tokens
from moncompte.core.conf import conf
from moncompte.defence import metrics
from moncompte.defence.keys import GLOBAL, NETWORK, SCOPE_WORDS, SCOPES, SIGNAL_WORDS, SIGNALS, signal_keys
from moncompte.defence.mode import AUTOMATIC, attack_mode_active, attack_mode_state, attack_mode_switch
from moncompte.defence.velocity import (
    WINDOWS,
    Reading,
    buckets_add,
    buckets_purge,
    current_counts,
    minimum_of,
    readings_of,
)

logger = logging.getLogger("moncompte.defence")


def velocity_record(*, signal: str, address: str, email: str, postal_code: str, now: datetime) -> None:
    """Counts one event of `signal` (R-BOT1) and switches attack mode on if it takes a signal over its
    threshold. Never fails the person's request: a database error is logged, the event left uncounted."""
    keys = signal_keys(address=address, email=email, postal_code=postal_code)
    try:
        if connection.in_atomic_block:  # a savepoint, so that a failure here leaves the caller's transaction
            with transaction.atomic():
                counts = buckets_add(signal=signal, keys=keys, now=now)
        else:  # one statement in autocommit: no transaction to open
            counts = buckets_add(signal=signal, keys=keys, now=now)
        if attack_mode_active(now=now):
            return
        over = [reading for reading in readings_of(signal=signal, counts=counts, now=now) if reading.over]
        if over:
            _engage(_worst(over), now=now)
    except DatabaseError:
        logger.exception("signal de vitesse %s non compté (base de données indisponible)", signal)


def attack_mode_watch(*, now: datetime) -> int:
    """The worker's periodic job (web/management/periodic_jobs.py): switches attack mode on when a signal is
    over its threshold, off when it was switched on automatically, has lasted ATTACK_MODE_MIN_DURATION, and
    every signal is at or below BOT_RELEASE_PERCENT of its threshold; purges old buckets. Returns what it did."""
    readings = readings_near_threshold(now=now)
    over = [reading for reading in readings if reading.over]
    state = attack_mode_state()
    done = buckets_purge(now=now)
    if not state.active and over:
        done += _engage(_worst(over), now=now)
    elif state.active and state.source == AUTOMATIC and state.since is not None:
        lasted = now - state.since >= conf().attack_mode_min_duration
        release = conf().bot_release_percent
        if lasted and all(reading.below(percent=release) for reading in readings):
            reason = f"signaux retombés sous {release} % de leur seuil"
            done += attack_mode_switch(active=False, now=now, source=AUTOMATIC, reason=reason)
    return done


def readings_near_threshold(*, now: datetime) -> list[Reading]:
    """Every signal whose sliding hour or ten minutes may be above BOT_RELEASE_PERCENT of its threshold, read
    afresh (a key under that share of its scope's lowest minimum cannot be, and is not read)."""
    release = conf().bot_release_percent
    readings = []
    for signal in SIGNALS:
        for scope in SCOPES:
            lowest = min(minimum_of(scope, window) for window in WINDOWS)
            at_least = max(1, math.ceil(lowest * release / 100))
            near = current_counts(signal=signal, scope=scope, now=now, at_least=at_least)
            counts = {(scope, key): current for key, current in near.items()}
            readings += readings_of(signal=signal, counts=counts, now=now, fresh=True)
    return readings


def _worst(readings: list[Reading]) -> Reading:
    return max(readings, key=lambda reading: reading.count / reading.baseline.threshold)


def _engage(reading: Reading, *, now: datetime) -> int:
    reason = describe(reading)
    changed = attack_mode_switch(active=True, now=now, source=AUTOMATIC, reason=reason, signal=reading.figures())
    if changed:
        metrics.trips.labels(reading.signal, reading.scope).inc()
    return int(changed)


def describe(reading: Reading) -> str:
    """The signal in words, for the log and the desk: no personal data (a network is shown by a pseudonym,
    the desk shows the network itself to supervisors from the stored figures)."""
    if reading.scope == GLOBAL:
        where = SCOPE_WORDS[GLOBAL]
    elif reading.scope == NETWORK:
        where = f"{SCOPE_WORDS[NETWORK]} n° {tokens.pseudonym(reading.key)}"
    else:
        where = f"{SCOPE_WORDS[reading.scope]} {reading.key}"
    base = reading.baseline
    return (
        f"{SIGNAL_WORDS[reading.signal]} ({where}) : {reading.count:.0f} en {reading.window.words}, "
        f"seuil {base.threshold:.0f} (référence {_decimal(base.mean)} ± {_decimal(base.stdev)} par "
        f"{reading.window.unit})"
    )


def _decimal(value: float) -> str:
    """One decimal, with the French decimal comma (issue 23, point 10: « 0.0 ± 0.0 » on the desk)."""
    return f"{value:.1f}".replace(".", ",")
