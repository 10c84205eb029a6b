"""R-BOT1: in attack mode, the identity step passes at most ATTACK_IDENTITY_PER_NETWORK times an hour from
one network (/24, /48); beyond that it answers as every limit does: « trop de tentatives, patientez … ».

Successes are counted in every mode, so that once attack mode starts, a network that already passed this
hour waits at once. This deliberately departs from R-LIM2 (limits slow the party that fails) while attack
mode lasts: a person behind the same network as a botnet waits up to an hour, which docs/rules.md says.
"""

from datetime import datetime, timedelta

from moncompte.core import throttle
from moncompte.core.client import network_of
from moncompte.core.conf import conf
from moncompte.core.errors import TooManyAttempts
from moncompte.core.throttle import Limit
from moncompte.defence.mode import attack_mode_active


def identity_per_network() -> Limit:
    return Limit("attack_identity_network", conf().attack_identity_per_network, timedelta(hours=1))


def identity_network_check(*, address: str, now: datetime) -> None:
    """Before the identity is even checked (so the answer tells nothing of it): in attack mode, refuses a
    network that has used its share of the hour."""
    if attack_mode_active(now=now):
        throttle.check(identity_per_network(), key=network_of(address), now=now)


def identity_network_take(*, address: str, now: datetime) -> None:
    """The identity matched: counts it for its network; in attack mode, refuses it if parallel requests from
    the network have taken the share meanwhile (counted first, then checked: R-LIM3)."""
    limit, key = identity_per_network(), network_of(address)
    event = throttle.hit(limit, key=key, now=now)
    if not attack_mode_active(now=now):
        return
    times = throttle.times_since(limit, key=key, since=now - limit.window)
    if len(times) > limit.max_events:
        throttle.unhit(limit, key=key, event=event)
        raise TooManyAttempts(times[-limit.max_events - 1] + limit.window - now)
