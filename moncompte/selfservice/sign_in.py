"""Signing in with NIR + provisional code (restricted session, R-CODE4) or personal code (R-PW9)."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import F

from moncompte.accounts import passwords
from moncompte.accounts.models import Account
from moncompte.audit import log as audit
from moncompte.core import throttle
from moncompte.core.client import Client
from moncompte.core.errors import TooManyAttempts
from moncompte.enrollment import limits
from moncompte.enrollment.provisional_codes import SecretKind, provisional_code_consume, secret_classify
from moncompte.registry.nir import Nir
from moncompte.selfservice.errors import SignInBlocked, SignInRejected


@dataclass(frozen=True)
class SignedIn:
    account_id: int
    restricted_until: datetime | None  # set when signed in with a provisional code


def sign_in(*, nir: Nir, secret: str, client: Client, now: datetime) -> SignedIn:
    try:
        throttle.check(limits.sign_in_failures_per_client(), key=client.address, now=now)
    except TooManyAttempts as too_many:
        raise SignInBlocked(too_many.retry_after) from too_many
    account = Account.objects.select_related("beneficiary").filter(beneficiary__nir=nir.value).first()
    if account is None:
        passwords.verify("", secret)  # same time as a real check: the answer does not tell who has an account
        throttle.hit(limits.sign_in_failures_per_client(), key=client.address, now=now)
        audit.record(event="sign_in_unknown", now=now, nir=nir.value, client=client)
        raise SignInRejected()
    typed = secret_classify(account=account, typed=secret, now=now)
    if typed.kind is SecretKind.PROVISIONAL_CODE:
        grant = provisional_code_consume(account=account, code=typed.code, typed=secret, client=client, now=now)
        return SignedIn(account.pk, restricted_until=grant.until)
    return _personal_code_check(account, secret, client=client, now=now)


def _personal_code_check(account: Account, secret: str, *, client: Client, now: datetime) -> SignedIn:
    blocked = _blocked_for(account, now)
    if blocked is not None:
        audit.record(event="sign_in_refused_blocked", now=now, account_id=account.pk, client=client)
        raise blocked
    if passwords.verify(account.password_hash, secret):
        Account.objects.filter(pk=account.pk).update(failed_sign_ins=0, sign_in_blocked_until=None)
        audit.record(event="sign_in_success", now=now, account_id=account.pk, client=client)
        return SignedIn(account.pk, restricted_until=None)
    blocked = _record_failure(account, client=client, now=now)
    if blocked is not None:
        raise blocked
    raise SignInRejected()


def _blocked_for(account: Account, now: datetime) -> SignInBlocked | None:
    if account.sign_in_blocked_until is not None and account.sign_in_blocked_until > now:
        return SignInBlocked(account.sign_in_blocked_until - now)
    wait = throttle.retry_after(limits.sign_in_failures_per_day(), key=str(account.pk), now=now)
    return SignInBlocked(wait) if wait is not None else None


def _record_failure(account: Account, *, client: Client, now: datetime) -> SignInBlocked | None:
    """R-PW9: after 5 consecutive failures, a delay of over a minute that doubles; 25 failures a day at most."""
    config = settings.MONCOMPTE
    Account.objects.filter(pk=account.pk).update(failed_sign_ins=F("failed_sign_ins") + 1)
    failures = Account.objects.values_list("failed_sign_ins", flat=True).get(pk=account.pk)
    throttle.hit(limits.sign_in_failures_per_day(), key=str(account.pk), now=now)
    throttle.hit(limits.sign_in_failures_per_client(), key=client.address, now=now)
    audit.record(event="sign_in_failure", now=now, account_id=account.pk, client=client, consecutive=failures)
    if failures >= config["SIGN_IN_FREE_FAILURES"]:
        delay = config["SIGN_IN_FIRST_DELAY"] * 2 ** (failures - config["SIGN_IN_FREE_FAILURES"])
        Account.objects.filter(pk=account.pk).update(sign_in_blocked_until=now + delay)
        account.sign_in_blocked_until = now + delay
        audit.record(event="sign_in_blocked", now=now, account_id=account.pk, client=client, seconds=delay.seconds)
    return _blocked_for(account, now)
