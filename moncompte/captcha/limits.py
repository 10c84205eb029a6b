"""The limits of the CAPTCHA (R-CAP4, R-CAP5), built from settings (R-SEC4).

New challenges are counted in the cache (Redis when configured): showing a form writes no database row.
Wrong answers and answers without a proof of work are counted like the other failures (core.throttle).
"""

from datetime import datetime, timedelta

from django.conf import settings

from moncompte.core import throttle
from moncompte.core.client import Client
from moncompte.core.throttle import Limit

HOUR = timedelta(hours=1)


def new_per_client() -> Limit:
    return Limit("captcha_new_client", settings.MONCOMPTE["CAPTCHA_NEW_PER_CLIENT"], HOUR)


def new_per_session() -> Limit:
    return Limit("captcha_new_session", settings.MONCOMPTE["CAPTCHA_NEW_PER_SESSION"], HOUR)


def media_per_client() -> Limit:
    return Limit("captcha_media_client", settings.MONCOMPTE["CAPTCHA_MEDIA_PER_CLIENT"], HOUR)


def failures_per_client() -> Limit:
    return Limit("captcha_failure_client", settings.MONCOMPTE["CAPTCHA_FAILURES_PER_CLIENT"], HOUR)


def failures_per_session() -> Limit:
    return Limit("captcha_failure_session", settings.MONCOMPTE["CAPTCHA_FAILURES_PER_SESSION"], HOUR)


def without_work_per_client() -> Limit:
    """Stricter: answers sent without a proof of work (JavaScript off, or a script) from one client."""
    return Limit("captcha_no_work_client", settings.MONCOMPTE["CAPTCHA_WITHOUT_WORK_PER_CLIENT"], HOUR)


def creation_count(*, client: Client, binding: str, now: datetime) -> None:
    """Counts a new challenge; TooManyAttempts once the client or the session has asked for too many."""
    throttle.window_count(new_per_client(), key=client.address, now=now, field="captcha_answer")
    throttle.window_count(new_per_session(), key=binding, now=now, field="captcha_answer")


def failures_check(*, client: Client, binding: str, now: datetime) -> None:
    throttle.check(failures_per_client(), key=client.address, now=now, field="captcha_answer")
    throttle.check(failures_per_session(), key=binding, now=now, field="captcha_answer")


def failure_hit(*, client: Client, binding: str, now: datetime) -> None:
    throttle.hit(failures_per_client(), key=client.address, now=now)
    throttle.hit(failures_per_session(), key=binding, now=now)


def without_work_count(*, client: Client, now: datetime) -> None:
    """Counted first, then compared: parallel answers cannot all slip under the limit."""
    throttle.counted(without_work_per_client(), key=client.address, now=now, field="captcha_answer")


def media_count(*, client: Client, now: datetime) -> None:
    """Pictures and sounds fetched: each may cost a drawing (about 15 ms of CPU for a sound)."""
    throttle.window_count(media_per_client(), key=client.address, now=now)


def recent_failures(*, client: Client, now: datetime) -> int:
    """How many wrong answers the client gave in the last hour: the proof of work grows with it."""
    return throttle.count(failures_per_client(), key=client.address, now=now)
