"""R-SUP1, R-SUP6, R-SEC3: the staff sign-in to the back office slows the client that fails, never the staff
member. Every failed try (wrong password, right password with a missing or wrong code of the authenticator
app, an account that may not sign in) counts against the address and the user name, and is in the security log.

Who is refused: a client unknown to this user name, once its address or the user name has failed too often (a
botnet spraying one name is stopped, whatever its addresses); a device cookie, left by a complete sign-in
(password and code) and naming its user, takes its holder past both: only its own failures count against it.
So nobody who merely knows an agent's user name can keep the agent out of the desk on a device the agent has
used. The web's admin site and its sign-in signal only pass on what they were given."""

import unicodedata
from datetime import datetime, timedelta
from typing import Any

from django.core import signing

from moncompte.audit import log as audit
from moncompte.core import throttle, tokens
from moncompte.core.client import Client
from moncompte.core.conf import conf
from moncompte.core.errors import TooManyAttempts
from moncompte.core.throttle import Limit

DEVICE_SALT = "moncompte.support.staff_device"


def staff_failures_per_client() -> Limit:
    return Limit("staff_client", conf().staff_max_failures, timedelta(hours=1))


def staff_failures_per_user() -> Limit:
    return Limit("staff_user", conf().staff_max_failures, timedelta(hours=1))


def staff_failures_per_device() -> Limit:
    return Limit("staff_device", conf().staff_max_failures, timedelta(hours=1))


def _user_name(typed: str) -> str:
    """The key of the per-user limit: the name as Django's sign-in form reads it (spaces around removed, Unicode
    NFKC, so " agent1" and "ａｇｅｎｔ１" are agent1 too), at most 150 characters, case aside."""
    return unicodedata.normalize("NFKC", typed.strip())[:150].lower()


def staff_device_issue(*, username: str, now: datetime) -> str:
    """R-SUP6: the signed value of the device cookie a complete sign-in leaves: whose, which device, since when."""
    payload = {"user": _user_name(username), "device": tokens.link_token()[:22], "at": int(now.timestamp())}
    return signing.dumps(payload, salt=DEVICE_SALT)


def _device_of(cookie: str, *, username: str, now: datetime) -> str | None:
    """The device a cookie names, if it is signed by the service, for this user name and still young enough."""
    try:
        payload = signing.loads(cookie, salt=DEVICE_SALT) if cookie else None
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("user") != username:
        return None
    issued = payload.get("at")
    if not isinstance(issued, int) or now.timestamp() - issued > conf().staff_device_lifetime.total_seconds():
        return None
    device = payload.get("device")
    return device if isinstance(device, str) else None


Attempt = list[tuple[Limit, str, str]]  # the limits an attempt was counted against: (limit, key, handle)


def staff_attempt_begin(*, username: str, client: Client, now: datetime, device: str = "") -> Attempt:
    """R-LIM3: a try is counted first, against what would refuse it (a known device's own count; otherwise the
    address and the user name), then refused (TooManyAttempts, audited, taken back) if it is one too many: a
    burst of parallel tries each sees the others. A complete sign-in takes it back (staff_attempt_succeeded);
    any other end leaves it counted, so every try that is not a success counts."""
    username = _user_name(username)
    known = _device_of(device, username=username, now=now)
    keyed = [(staff_failures_per_device(), known)] if known is not None else []
    keyed = keyed or [(staff_failures_per_client(), client.address), (staff_failures_per_user(), username)]
    attempt = [(limit, key, throttle.hit(limit, key=key, now=now)) for limit, key in keyed]
    over = [(limit, key) for limit, key, _ in attempt if throttle.count(limit, key=key, now=now) > limit.max_events]
    if over:
        staff_attempt_succeeded(attempt)  # a refused try does not weigh on later ones
        audit.record(event="staff_sign_in_throttled", now=now, client=client, username=username, **_said(known))
        limit, key = over[0]
        raise TooManyAttempts(throttle.retry_after(limit, key=key, now=now) or limit.window)
    return attempt


def staff_attempt_succeeded(attempt: Attempt) -> None:
    for limit, key, handle in attempt:
        throttle.unhit(limit, key=key, event=handle)


def staff_failure_count(
    *,
    username: str,
    client: Client | None,
    now: datetime,
    device: str = "",
    second_factor: bool = False,
    counted: bool = False,
) -> None:
    """A failed try: a wrong password, or (`second_factor`) the right one refused after, for a code of the
    authenticator app missing or wrong (or an account that may not sign in). Audited; counted against the user
    name, the address (when known) and the device cookie (when it names this user), unless staff_attempt_begin
    `counted` it already."""
    username = _user_name(username)
    known = _device_of(device, username=username, now=now)
    if not counted:
        throttle.hit(staff_failures_per_user(), key=username, now=now)
        if client is not None:
            throttle.hit(staff_failures_per_client(), key=client.address, now=now)
        if known is not None:
            throttle.hit(staff_failures_per_device(), key=known, now=now)
    event = "staff_second_factor_failure" if second_factor else "staff_sign_in_failure"
    audit.record(event=event, now=now, client=client, username=username, **_said(known))


def _said(known: str | None) -> dict[str, Any]:
    """What the audit log says of the device: known, or nothing (the cookie itself is never written)."""
    return {"known_device": True} if known is not None else {}
