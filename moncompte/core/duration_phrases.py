"""Durations written in French as people say them, for messages, pages and emails: how long a setting lasts
(duration_phrase), how long to wait (wait_phrase)."""

from datetime import timedelta

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count > 1 else ''}"


def wait_phrase(delay: timedelta) -> str:
    """'3 minutes', '1 heure et 5 minutes': how long to wait, rounded up to the minute."""
    minutes = max(1, -(-int(delay.total_seconds()) // 60))
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(_plural(hours, "heure"))
    if minutes:
        parts.append(_plural(minutes, "minute"))
    return " et ".join(parts)


def duration_phrase(duration: timedelta) -> str:
    """A configured duration as people say it: '30 minutes', '7 jours', '1 heure', '90 secondes'."""
    for unit, word in ((DAY, "jour"), (HOUR, "heure"), (MINUTE, "minute")):
        if duration >= unit and duration % unit == timedelta(0):
            return _plural(duration // unit, word)
    if duration % MINUTE:
        return _plural(int(duration.total_seconds()), "seconde")
    return wait_phrase(duration)
