"""R-SUP1, R-SEC3: the staff sign-in to the back office is throttled per client address and per user name; a
wrong password and a wrong code of the authenticator app both count, and every failure and refusal is in the
security log. The web's admin site and its sign-in signal only pass on what they were given."""

from datetime import datetime, timedelta

from moncompte.audit import log as audit
from moncompte.core import throttle
from moncompte.core.client import Client
from moncompte.core.conf import conf
from moncompte.core.errors import TooManyAttempts
from moncompte.core.throttle import Limit


def staff_failures_per_client() -> Limit:
    return Limit("staff_client", conf().staff_max_failures, timedelta(hours=1))


def staff_failures_per_user() -> Limit:
    return Limit("staff_user", conf().staff_max_failures, timedelta(hours=1))


def _user_name(typed: str) -> str:
    """The key of the per-user limit: as Django compares user names at most (150 characters), case aside."""
    return typed[:150].lower()


def staff_sign_in_check(*, username: str, client: Client, now: datetime) -> None:
    """Raises TooManyAttempts (audited) while this address or this user name has failed too often."""
    username = _user_name(username)
    try:
        throttle.check(staff_failures_per_client(), key=client.address, now=now)
        throttle.check(staff_failures_per_user(), key=username, now=now)
    except TooManyAttempts:
        audit.record(event="staff_sign_in_throttled", now=now, client=client, username=username)
        raise


def staff_failure_count(*, username: str, client: Client | None, now: datetime, second_factor: bool = False) -> None:
    """A wrong password, or (`second_factor`) a wrong code of the authenticator app after the right password:
    counted against the user name and the address (when known), and audited."""
    username = _user_name(username)
    throttle.hit(staff_failures_per_user(), key=username, now=now)
    if client is not None:
        throttle.hit(staff_failures_per_client(), key=client.address, now=now)
    event = "staff_second_factor_failure" if second_factor else "staff_sign_in_failure"
    audit.record(event=event, now=now, client=client, username=username)
