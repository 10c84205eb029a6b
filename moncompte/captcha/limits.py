"""The limits of the CAPTCHA (R-CAP4, R-CAP6), built from settings (R-SEC4).

Each is counted per client and per network (its /24 or /48: core.client.network_of), on the web and the API
alike, in Redis or else in the database, so every process sees the same counts. What a script renews for free,
a browser session or an API key, has its own limits too, but renewing it resets nothing else.
Network limits are ten times the client's: a company, a campus or a mobile carrier's NAT puts many people
behind one /24, and they must not be stopped by one another (R-LIM2; docs/rules.md says how they were sized).

New challenges and media fetched are counted in fixed windows (a counter per key and hour: showing a form adds
no row); wrong answers and answers without a proof of work are counted like the other failures (core.throttle).
The network is counted only once the client is within its own limit, so one address alone cannot use up the
limit of its neighbours.
"""

from datetime import datetime, timedelta

from django.conf import settings

from moncompte.core import throttle
from moncompte.core.client import Client
from moncompte.core.throttle import Limit
from moncompte.defence.mode import attack_mode_active

HOUR = timedelta(hours=1)
FIELD = "captcha_answer"


def _limit(scope: str, setting: str) -> Limit:
    return Limit(scope, settings.MONCOMPTE[setting], HOUR)


def _network_limit(scope: str, setting: str, now: datetime | None) -> Limit:
    """A network's limit; in attack mode (R-BOT1, asked when `now` is given: where the limit is compared)
    divided by CAPTCHA_NETWORK_ATTACK_DIVISOR."""
    limit = _limit(scope, setting)
    if now is not None and attack_mode_active(now=now):
        divisor = settings.MONCOMPTE["CAPTCHA_NETWORK_ATTACK_DIVISOR"]
        return Limit(scope, max(1, limit.max_events // divisor), HOUR)
    return limit


def new_per_client() -> Limit:
    return _limit("captcha_new_client", "CAPTCHA_NEW_PER_CLIENT")


def new_per_network(now: datetime | None = None) -> Limit:
    return _network_limit("captcha_new_network", "CAPTCHA_NEW_PER_NETWORK", now)


def new_per_session() -> Limit:
    return _limit("captcha_new_session", "CAPTCHA_NEW_PER_SESSION")


def media_per_client() -> Limit:
    return _limit("captcha_media_client", "CAPTCHA_MEDIA_PER_CLIENT")


def media_per_network(now: datetime | None = None) -> Limit:
    return _network_limit("captcha_media_network", "CAPTCHA_MEDIA_PER_NETWORK", now)


def failures_per_client() -> Limit:
    return _limit("captcha_failure_client", "CAPTCHA_FAILURES_PER_CLIENT")


def failures_per_network(now: datetime | None = None) -> Limit:
    return _network_limit("captcha_failure_network", "CAPTCHA_FAILURES_PER_NETWORK", now)


def failures_per_session() -> Limit:
    return _limit("captcha_failure_session", "CAPTCHA_FAILURES_PER_SESSION")


def without_work_per_client() -> Limit:
    """Stricter: answers sent without a proof of work (JavaScript off, or a script) from one client."""
    return _limit("captcha_no_work_client", "CAPTCHA_WITHOUT_WORK_PER_CLIENT")


def without_work_per_network(now: datetime | None = None) -> Limit:
    return _network_limit("captcha_no_work_network", "CAPTCHA_WITHOUT_WORK_PER_NETWORK", now)


def creation_count(*, client: Client, binding: str, now: datetime) -> None:
    """Counts a new challenge; TooManyAttempts once the client, its network or the session (browser session or
    API key) has asked for too many."""
    throttle.window_count(new_per_client(), key=client.address, now=now, field=FIELD)
    throttle.window_count(new_per_network(now), key=client.network, now=now, field=FIELD)
    throttle.window_count(new_per_session(), key=binding, now=now, field=FIELD)


def failures_check(*, client: Client, binding: str, now: datetime) -> None:
    throttle.check(failures_per_client(), key=client.address, now=now, field=FIELD)
    throttle.check(failures_per_network(now), key=client.network, now=now, field=FIELD)
    throttle.check(failures_per_session(), key=binding, now=now, field=FIELD)


def failure_hit(*, client: Client, binding: str, now: datetime) -> None:
    throttle.hit(failures_per_client(), key=client.address, now=now)
    throttle.hit(failures_per_network(), key=client.network, now=now)
    throttle.hit(failures_per_session(), key=binding, now=now)


def without_work_count(*, client: Client, now: datetime) -> None:
    """Counted first, then compared: parallel answers cannot all slip under the limit (R-LIM3)."""
    throttle.counted(without_work_per_client(), key=client.address, now=now, field=FIELD)
    throttle.counted(without_work_per_network(now), key=client.network, now=now, field=FIELD)


def media_count(*, client: Client, now: datetime) -> None:
    """Pictures and sounds fetched: each may cost a drawing (about 15 ms of CPU for a sound)."""
    throttle.window_count(media_per_client(), key=client.address, now=now)
    throttle.window_count(media_per_network(now), key=client.network, now=now)


def recent_failures(*, client: Client, now: datetime) -> int:
    """How many wrong answers the client gave in the last hour: the proof of work grows with it."""
    return throttle.count(failures_per_client(), key=client.address, now=now)


def recent_network_failures(*, client: Client, now: datetime) -> int:
    """How many wrong answers the client's network gave in the last hour, the client's own included."""
    return throttle.count(failures_per_network(), key=client.network, now=now)
