"""The one place the service reads the time (faketime and time-machine both work)."""

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(tz=UTC)
