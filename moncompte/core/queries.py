"""Hand-written SQL of core, where the ORM cannot say it in one statement (valid on SQLite and PostgreSQL)."""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection
from django.utils.dateparse import parse_datetime


@dataclass(frozen=True)
class WindowCounts:
    current: int  # events of this window, the one just counted included
    previous: int  # events of the window before it


# One statement, so one round trip and no race: the row is created at the first event of its window and
# counted up in place after (INSERT … ON CONFLICT DO UPDATE holds the row while it adds one, so parallel
# requests in any process never lose a count); the previous window is read in the same statement.
_COUNT_UP = """
    INSERT INTO core_windowcounter (scope, "key", started, events) VALUES (%s, %s, %s, 1)
    ON CONFLICT (scope, "key", started) DO UPDATE SET events = core_windowcounter.events + 1
    RETURNING events, COALESCE((
        SELECT before.events FROM core_windowcounter AS before
        WHERE before.scope = %s AND before."key" = %s AND before.started = %s
    ), 0)
"""


def window_counter_add(*, scope: str, key: str, started: int, seconds: int) -> WindowCounts:
    """Counts one event of `key` in the window of `seconds` that began at `started` (seconds since the epoch)."""
    with connection.cursor() as cursor:
        cursor.execute(_COUNT_UP, [scope, key, started, scope, key, started - seconds])
        row = cursor.fetchone()
    return WindowCounts(current=int(row[0]), previous=int(row[1]))


def datetime_read(value: object) -> datetime:
    """A date read on a cursor as the ORM reads it, aware (UTC): SQLite gives text or a naive datetime (UTC),
    PostgreSQL an aware datetime already."""
    moment = parse_datetime(value) if isinstance(value, str) else value
    if not isinstance(moment, datetime):
        raise ValueError(f"not a date: {value!r}")
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
