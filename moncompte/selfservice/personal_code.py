"""Sign-in attempts with a personal code (R-PW9), counted so that only the party that fails is slowed
(R-LIM2), before the code is checked (R-LIM3), and the same way whether or not the NIR has an account
(R-LIM4).

Attempts are counted per NIR *and* client address: five free, then a delay of two minutes that doubles with
each further attempt, and 25 a day at most. Someone who sprays wrong codes at a NIR from elsewhere slows
themselves, never the person at home. An unknown NIR goes through the very same counting, so suspension
says nothing of who has an account. The account page asking for the current code again (R-LIM5) counts
the same way.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from moncompte.accounts import passwords
from moncompte.audit import log as audit
from moncompte.core import throttle
from moncompte.core.client import Client
from moncompte.core.conf import Settings, conf
from moncompte.selfservice import limits
from moncompte.selfservice.errors import SignInBlocked

DAY = timedelta(days=1)


def _key(nir: str, client: Client, device: int | None = None) -> str:
    """Attempts count per NIR and client, or per NIR and device of trust of the account (R-LIM8): behind an
    address that others use up, the person's own device has its own count."""
    return f"{nir}|device:{device}" if device is not None else f"{nir}|{client.address}"


def _gap(config: Settings, failures: int) -> timedelta | None:
    """How long after its last attempt a client waits, once it has failed `failures` times in a row."""
    if failures < config.sign_in_free_failures:
        return None
    # Capped: past a day the daily limit rules anyway, and 2**n must never overflow a timedelta.
    doublings = min(failures - config.sign_in_free_failures, 12)
    delay: timedelta = min(config.sign_in_first_delay * 2**doublings, DAY)
    return delay


def attempt_count(*, nir: str, client: Client, now: datetime, event: str, device: int | None = None) -> None:
    """Counts this attempt first (R-LIM3: parallel attempts see each other), then refuses it with
    SignInBlocked while this client waits for this NIR; a refused attempt is taken back, so waiting is what
    ends the wait (as R-PW9 says: the delay doubles with each failure, not with each early try)."""
    config, key, attempts = conf(), _key(nir, client, device), limits.sign_in_attempts()
    handle, times = throttle.hit_then_times(attempts, key=key, now=now, since=now - DAY)
    try:
        wait = _wait(config, times[:-1], now)
    except Exception:
        throttle.unhit(attempts, key=key, event=handle)  # never leave an attempt counted by a crash
        raise
    if wait is not None:
        throttle.unhit(attempts, key=key, event=handle)
        audit.record(event=f"{event}_refused_blocked", now=now, nir=nir, client=client)
        raise SignInBlocked(wait)


def _wait(config: Settings, earlier: list[datetime], now: datetime) -> timedelta | None:
    """How long this client still waits, given its earlier attempts of the day (the daily limit first)."""
    daily: int = config.sign_in_max_failures_per_day
    if len(earlier) >= daily:
        return earlier[-daily] + DAY - now
    gap = _gap(config, len(earlier))
    if gap is not None and earlier[-1] + gap > now:
        return earlier[-1] + gap - now
    return None


@dataclass
class ClientAttempt:
    """A sign-in attempt counted first against its client's failures of the hour (client_attempt_begin). It
    stays counted only if it ends as a wrong secret (`failed`); any other end takes it back (`end`): a
    success, a refusal before the secret was read, an expired or spent provisional code, a crash."""

    address: str
    handle: str
    failed: bool = False
    ended: bool = False

    def end(self, *, cleared: list[tuple[throttle.Limit, str]] | None = None) -> None:
        """Takes the attempt back unless it failed (once), and forgets the `cleared` counts with it (one round
        trip on Redis)."""
        event = [] if self.failed or self.ended else [(limits.sign_in_failures_per_client(), self.address, self.handle)]
        self.ended = True
        if event or cleared:
            throttle.unhit_each(event, cleared=cleared)


def client_attempt_begin(*, nir: str, client: Client, now: datetime, checked: bool = True) -> ClientAttempt:
    """R-LIM3, R-LIM2: counts the attempt against its client's failures of the hour first, then refuses it
    if it is one too many (SignInBlocked, audited, taken back): a burst of parallel tries each sees the
    others, where a check before the failure was counted let them all through (issue 21, F6). `checked`
    False for a device of trust of the account (R-LIM8): counted, never refused by its address's limit."""
    limit = limits.sign_in_failures_per_client()
    handle, wait = throttle.hit_first(limit, key=client.address, now=now)
    attempt = ClientAttempt(client.address, handle)
    if checked and wait is not None:
        attempt.end()
        audit.record(event="sign_in_client_throttled", now=now, nir=nir, client=client)
        raise SignInBlocked(wait)
    return attempt


def attempt_succeeded(
    *, nir: str, client: Client, device: int | None = None, attempt: ClientAttempt | None = None
) -> None:
    """A success starts the count again, for this NIR from this client (or device); the client's `attempt`,
    counted first, is taken back with it (issue 22: one round trip to Redis, not two)."""
    cleared = [(limits.sign_in_attempts(), _key(nir, client, device))]
    if attempt is not None:
        attempt.end(cleared=cleared)
    else:
        throttle.unhit_each([], cleared=cleared)


def personal_code_verify(*, nir: str, stored: str, typed: str, client: Client, now: datetime, event: str) -> bool:
    """True for the right code; False for a wrong one (audited as `<event>_failure`). `stored` is "" for a
    NIR without account or code: the check then costs the same and fails. Raises SignInBlocked, also right
    after the failure that starts a wait, so the person learns it at once."""
    attempt_count(nir=nir, client=client, now=now, event=event)
    return personal_code_check(nir=nir, stored=stored, typed=typed, client=client, now=now, event=event)


def personal_code_check(
    *,
    nir: str,
    stored: str,
    typed: str,
    client: Client,
    now: datetime,
    event: str,
    device: int | None = None,
    attempt: ClientAttempt | None = None,
) -> bool:
    """personal_code_verify once the attempt is counted (attempt_count): sign-in counts it before it knows
    which secret was typed, so the wait applies to the provisional code too (R-CODE2). A wrong code is one
    more failure of the client: the `attempt` sign-in counted first, kept, or counted now."""
    if passwords.verify(stored, typed):
        attempt_succeeded(nir=nir, client=client, device=device, attempt=attempt)
        return True
    if attempt is not None:
        attempt.failed = True
    else:
        throttle.hit(limits.sign_in_failures_per_client(), key=client.address, now=now)
    audit.record(event=f"{event}_failure", now=now, nir=nir, client=client)
    failures = throttle.count(limits.sign_in_attempts(), key=_key(nir, client, device), now=now)
    gap = _gap(conf(), failures)
    if gap is not None:
        audit.record(event=f"{event}_blocked", now=now, nir=nir, client=client, seconds=int(gap.total_seconds()))
        raise SignInBlocked(gap)
    return False
