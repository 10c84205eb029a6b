"""Checking a typed personal code, at sign-in and when the account page asks for it again (R-PW9, R-LIM5):
the same throttling and the same audit for both, so the account page is no side door for guessing."""

from datetime import datetime

from django.conf import settings
from django.db.models import F

from moncompte.accounts import passwords
from moncompte.accounts.models import Account
from moncompte.audit import log as audit
from moncompte.core import throttle
from moncompte.core.client import Client
from moncompte.enrollment import limits
from moncompte.selfservice.errors import SignInBlocked


def personal_code_verify(*, account: Account, typed: str, client: Client, now: datetime, event: str) -> bool:
    """True for the right code (and the failure count starts again); False for a wrong one, counted and
    audited as `<event>_failure`. Raises SignInBlocked while the account's sign-in is suspended."""
    blocked = _blocked_for(account, now)
    if blocked is not None:
        audit.record(event=f"{event}_refused_blocked", now=now, account_id=account.pk, client=client)
        raise blocked
    if passwords.verify(account.password_hash, typed):
        Account.objects.filter(pk=account.pk).update(failed_sign_ins=0, sign_in_blocked_until=None)
        return True
    blocked = _record_failure(account, client=client, now=now, event=event)
    if blocked is not None:
        raise blocked
    return False


def _blocked_for(account: Account, now: datetime) -> SignInBlocked | None:
    if account.sign_in_blocked_until is not None and account.sign_in_blocked_until > now:
        return SignInBlocked(account.sign_in_blocked_until - now)
    wait = throttle.retry_after(limits.sign_in_failures_per_day(), key=str(account.pk), now=now)
    return SignInBlocked(wait) if wait is not None else None


def _record_failure(account: Account, *, client: Client, now: datetime, event: str) -> SignInBlocked | None:
    """R-PW9: after 5 consecutive failures, a delay of over a minute that doubles; 25 failures a day at most."""
    config = settings.MONCOMPTE
    Account.objects.filter(pk=account.pk).update(failed_sign_ins=F("failed_sign_ins") + 1)
    failures = Account.objects.values_list("failed_sign_ins", flat=True).get(pk=account.pk)
    throttle.hit(limits.sign_in_failures_per_day(), key=str(account.pk), now=now)
    throttle.hit(limits.sign_in_failures_per_client(), key=client.address, now=now)
    audit.record(event=f"{event}_failure", now=now, account_id=account.pk, client=client, consecutive=failures)
    if failures >= config["SIGN_IN_FREE_FAILURES"]:
        delay = config["SIGN_IN_FIRST_DELAY"] * 2 ** (failures - config["SIGN_IN_FREE_FAILURES"])
        Account.objects.filter(pk=account.pk).update(sign_in_blocked_until=now + delay)
        account.sign_in_blocked_until = now + delay
        audit.record(event=f"{event}_blocked", now=now, account_id=account.pk, client=client, seconds=delay.seconds)
    return _blocked_for(account, now)
