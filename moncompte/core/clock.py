"""The one place the service reads the time (faketime and time-machine both work).

The demo's clock can run some days ahead (MONCOMPTE_DEMO_CLOCK_SHIFT_DAYS, README « Démarrer »), to show the
7-day and 21-day rules of the link without waiting: set once at start-up (CoreConfig.ready), from a setting that
is refused outside the demo and DEBUG (config/settings.py), since every date the service writes would be wrong.
"""

from datetime import UTC, datetime, timedelta


class _Ahead:
    by = timedelta(0)


def now() -> datetime:
    return datetime.now(tz=UTC) + _Ahead.by


def run_ahead(*, days: int) -> None:
    _Ahead.by = timedelta(days=days)
