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

from moncompte.core import throttle
from moncompte.core.client import Client
from moncompte.core.conf import conf
from moncompte.core.throttle import Limit
from moncompte.defence.mode import attack_mode_active

HOUR = timedelta(hours=1)
FIELD = "captcha_answer"


def _limit(scope: str, per_hour: int) -> Limit:
    return Limit(scope, per_hour, HOUR)


def _network_limit(scope: str, per_hour: int, now: datetime | None) -> Limit:
    """A network's limit; in attack mode (R-BOT1, asked when `now` is given: where the limit is compared)
    divided by CAPTCHA_NETWORK_ATTACK_DIVISOR."""
    limit = _limit(scope, per_hour)
    if now is not None and attack_mode_active(now=now):
        divisor = conf().captcha_network_attack_divisor
        return Limit(scope, max(1, limit.max_events // divisor), HOUR)
    return limit


def new_per_client() -> Limit:
    return _limit("captcha_new_client", conf().captcha_new_per_client)


def new_per_network(now: datetime | None = None) -> Limit:
    return _network_limit("captcha_new_network", conf().captcha_new_per_network, now)


def new_per_session() -> Limit:
    return _limit("captcha_new_session", conf().captcha_new_per_session)


def media_per_client() -> Limit:
    return _limit("captcha_media_client", conf().captcha_media_per_client)


def media_per_network(now: datetime | None = None) -> Limit:
    return _network_limit("captcha_media_network", conf().captcha_media_per_network, now)


def failures_per_client() -> Limit:
    return _limit("captcha_failure_client", conf().captcha_failures_per_client)


def failures_per_network(now: datetime | None = None) -> Limit:
    return _network_limit("captcha_failure_network", conf().captcha_failures_per_network, now)


def failures_per_session() -> Limit:
    return _limit("captcha_failure_session", conf().captcha_failures_per_session)


def without_work_per_client() -> Limit:
    """Stricter: answers sent without a proof of work (JavaScript off, or a script) from one client."""
    return _limit("captcha_no_work_client", conf().captcha_without_work_per_client)


def without_work_per_network(now: datetime | None = None) -> Limit:
    return _network_limit("captcha_no_work_network", conf().captcha_without_work_per_network, now)


def creation_count(*, client: Client, binding: str, now: datetime) -> None:
    """Counts a new challenge; TooManyAttempts once the client, its network or the session (browser session or
    API key) has asked for too many."""
    throttle.window_count(new_per_client(), key=client.address, now=now, field=FIELD)
    throttle.window_count(new_per_network(now), key=client.network, now=now, field=FIELD)
    throttle.window_count(new_per_session(), key=binding, now=now, field=FIELD)


def failures_check(*, client: Client, binding: str, now: datetime) -> int:
    """TooManyAttempts once the client, its network or the session failed too often; else the client's own
    failures of the hour, which its proof of work is checked against (R-CAP6: read once, issue 22)."""
    limits = [
        (failures_per_client(), client.address),
        (failures_per_network(now), client.network),
        (failures_per_session(), binding),
    ]
    return throttle.check_each(limits, now=now, field=FIELD)[0]


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


def recent_failures_here_and_around(*, client: Client, now: datetime) -> tuple[int, int]:
    """How many wrong answers the client gave in the last hour, and its network (the client's own included)."""
    own, network = throttle.count_each(
        [(failures_per_client(), client.address), (failures_per_network(), client.network)], now=now
    )
    return own, network
