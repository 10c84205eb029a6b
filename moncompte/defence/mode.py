"""R-BOT1: attack mode, on or off, stored in the database so that a restart keeps it.

`attack_mode_active` is asked on every CAPTCHA page and every identity step, so each process keeps the
answer for ATTACK_MODE_CACHE_SECONDS (a few seconds). That is safe: the process that switches the mode sees
the change at once (it clears its own copy), and the others follow within those seconds; for an attacker
that is a few seconds more at normal difficulty, for people a few seconds more of the harder work after the
mode ends. Nothing is decided from the copy that must be exact (the desk and /metrics read the row itself).
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Q, Subquery

from moncompte.core.conf import conf
from moncompte.defence import metrics
from moncompte.defence.models import AttackMode, AttackModeChange

logger = logging.getLogger("moncompte.defence")

AUTOMATIC = "automatic"
SUPERVISOR = "supervisor"
_ROW = 1


@dataclass(frozen=True)
class AttackModeState:
    active: bool
    since: datetime | None = None
    source: str = ""
    reason: str = ""
    signal: dict[str, Any] = field(default_factory=dict)
    staff_username: str = ""
    held_until: datetime | None = None


# (when it was read, by the caller's clock; the answer). One tuple, replaced whole: safe across threads.
_cached: tuple[datetime, bool] | None = None


def attack_mode_active(*, now: datetime) -> bool:
    """Whether the service is in attack mode (R-BOT1), read from the database at most every few seconds."""
    global _cached
    cached, ttl = _cached, conf().attack_mode_cache_seconds
    if cached is not None and 0 <= (now - cached[0]).total_seconds() < ttl:
        return cached[1]
    try:
        active = AttackMode.objects.filter(pk=_ROW, active=True).exists()
    except DatabaseError:
        # The database is unreachable: keep the last answer (a page that needs the database fails anyway).
        logger.warning("mode attaque illisible (base de données indisponible) : dernier état connu gardé")
        return cached[1] if cached is not None else False
    _cached = (now, active)
    return active


def attack_mode_cache_clear() -> None:
    """Forgets this process's copy: the next question reads the database."""
    global _cached
    _cached = None


def attack_mode_state() -> AttackModeState:
    """The stored state, read now (for the desk and /metrics)."""
    row = AttackMode.objects.filter(pk=_ROW).first()
    if row is None:
        return AttackModeState(active=False)
    return AttackModeState(
        active=row.active,
        since=row.since,
        source=row.source,
        reason=row.reason,
        signal=row.signal,
        staff_username=row.staff_username,
        held_until=row.held_until,
    )


def attack_mode_switch(
    *,
    active: bool,
    now: datetime,
    source: str,
    reason: str,
    signal: dict[str, Any] | None = None,
    staff_username: str = "",
) -> bool:
    """Switches attack mode on or off; True if it was off and is now on, or the reverse.

    A supervisor's decision always applies and holds the automatic switch back for ATTACK_MODE_SUPERVISOR_HOLD
    (they may know a burst is legitimate, or want the mode kept on). The automatic switch changes nothing
    during that hold, and switches off only what it switched on itself."""
    _row_ensure()
    with transaction.atomic():
        row = AttackMode.objects.select_for_update().get(pk=_ROW)
        if source == AUTOMATIC and not _automatic_may_switch(row, active=active, now=now):
            return False
        flipped = row.active != active
        row.since = row.since if row.active == active and row.since else now
        row.active, row.source, row.reason = active, source, reason[:500]
        row.signal, row.staff_username = signal or {}, staff_username
        row.held_until = now + conf().attack_mode_supervisor_hold if source == SUPERVISOR else None
        row.save()
        AttackModeChange.objects.create(
            at=now, active=active, source=source, reason=row.reason, signal=row.signal, staff_username=staff_username
        )
    attack_mode_cache_clear()
    if flipped:
        metrics.switches.labels("on" if active else "off", source).inc()
    # The signal and its figures (no personal data); a supervisor's typed reason stays in the audit log.
    said = reason if source == AUTOMATIC else "décision d'un superviseur, motif au journal de sécurité"
    logger.warning("mode attaque %s (%s) : %s", "ACTIVÉ" if active else "désactivé", source, said)
    return flipped


def attack_mode_hours(*, since: datetime, until: datetime) -> set[datetime]:
    """The starts of the hours between `since` and `until` that attack mode covered, wholly or partly (the
    velocity baselines leave them out)."""
    last_before = AttackModeChange.objects.filter(at__lt=since).order_by("-at", "-id").values("pk")[:1]
    changes = AttackModeChange.objects.filter(Q(at__gte=since, at__lt=until) | Q(pk__in=Subquery(last_before)))
    started: datetime | None = None
    periods: list[tuple[datetime, datetime]] = []
    for at, active in changes.order_by("at", "id").values_list("at", "active"):
        if active and started is None:
            started = max(at, since)
        elif not active and started is not None:
            periods.append((started, at))
            started = None
    if started is not None:
        periods.append((started, until))
    hours: set[datetime] = set()
    for start, end in periods:
        hour = start.replace(minute=0, second=0, microsecond=0)
        while hour < end:
            hours.add(hour)
            hour += timedelta(hours=1)
    return hours


def _automatic_may_switch(row: AttackMode, *, active: bool, now: datetime) -> bool:
    if row.active == active or (row.held_until is not None and row.held_until > now):
        return False
    return active or row.source == AUTOMATIC


def _row_ensure() -> None:
    if not AttackMode.objects.filter(pk=_ROW).exists():
        try:
            with transaction.atomic():
                AttackMode.objects.create(pk=_ROW)
        except IntegrityError:  # another process created it at the same moment
            pass
