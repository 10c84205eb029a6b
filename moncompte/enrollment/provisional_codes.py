"""Provisional codes (R-CODE1..4): issued with their email, consumed once at sign-in.

Sign-in takes one secret that may be a provisional code or a personal code: `secret_classify` looks the
outstanding code up once and says which it is, and `provisional_code_consume` checks the code it found.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from django.conf import settings
from django.db import transaction

from moncompte.accounts.models import Account
from moncompte.audit import log as audit
from moncompte.core import throttle, tokens
from moncompte.core.client import Client
from moncompte.enrollment import limits
from moncompte.enrollment.errors import CodeAlreadyUsed, CodeExhausted, CodeExpired, CodeRejected
from moncompte.enrollment.models import ProvisionalCode
from moncompte.outbox import mail

PURPOSE = "provisional_code"


@dataclass(frozen=True)
class CodeSent:
    account_id: int
    email_masked: str
    expires_at: datetime


def provisional_code_issue(*, account: Account, to: str, now: datetime) -> CodeSent:
    """Voids older codes and writes the new one with its email, in one transaction (R-CODE2, R-MAIL1)."""
    clear = tokens.provisional_code()
    expires_at = now + settings.MONCOMPTE["CODE_LIFETIME"]
    # No savepoint when called inside a caller's transaction: all or nothing is the caller's.
    with transaction.atomic(savepoint=False):
        ProvisionalCode.objects.void_for(account, now=now)
        ProvisionalCode.objects.create(
            account=account, digest=_digest(account, clear), created_at=now, expires_at=expires_at
        )
        mail.enqueue(
            template="provisional_code",
            to=to,
            now=now,
            account_id=account.pk,
            context={**account.greeting(), "expires_at": expires_at},
            secret_context={"code": clear},
        )
    return CodeSent(account_id=account.pk, email_masked=tokens.mask_email(to), expires_at=expires_at)


def _digest(account: Account, typed: str) -> str:
    return tokens.digest(purpose=PURPOSE, value=f"{account.pk}:{''.join(typed.split())}")


def _matches(account: Account, code: ProvisionalCode, typed: str) -> bool:
    return tokens.matches(purpose=PURPOSE, stored_digest=code.digest, typed=f"{account.pk}:{''.join(typed.split())}")


class SecretKind(Enum):
    PROVISIONAL_CODE = "provisional_code"
    PERSONAL_CODE = "personal_code"


@dataclass(frozen=True)
class TypedSecret:
    kind: SecretKind
    code: ProvisionalCode | None  # the latest provisional code, looked up once


def secret_classify(*, account: Account, typed: str, now: datetime) -> TypedSecret:
    """Which secret the person typed. Before a personal code exists, only a provisional code can open the
    account; after, a live provisional code that matches wins ("Code oublié ?" works while signing in with
    the personal code is suspended, R-PW9), anything else is checked as the personal code."""
    code = ProvisionalCode.objects.filter(account=account).order_by("-created_at", "-id").first()
    if not account.password_hash:
        return TypedSecret(SecretKind.PROVISIONAL_CODE, code)
    live = code is not None and code.used_at is None and code.voided_at is None and code.expires_at > now
    if live and code is not None and _matches(account, code, typed):
        return TypedSecret(SecretKind.PROVISIONAL_CODE, code)
    return TypedSecret(SecretKind.PERSONAL_CODE, code)


@dataclass(frozen=True)
class RestrictedGrant:
    """What opens a restricted session (R-CODE4): whose, and until when."""

    account_id: int
    until: datetime
    session_epoch: int


def provisional_code_consume(
    *, account: Account, code: ProvisionalCode | None, typed: str, client: Client, now: datetime
) -> RestrictedGrant:
    """Checks `typed` against the account's latest code and uses it up (R-CODE2): single use, 30 minutes,
    voided after 5 wrong entries."""
    if code is None:
        audit.record(
            event="authn_code_unknown", now=now, nir=account.beneficiary.nir, account_id=account.pk, client=client
        )
        raise CodeRejected()
    _refuse_unusable(account, code, client=client, now=now)
    attempts = _attempt_count(code, client=client, now=now)
    if not _matches(account, code, typed):
        audit.record(
            event="authn_code_failure",
            now=now,
            nir=account.beneficiary.nir,
            account_id=account.pk,
            client=client,
            attempt=attempts,
        )
        max_attempts = settings.MONCOMPTE["CODE_MAX_ATTEMPTS"]
        if attempts >= max_attempts:  # for this client only: others' wrong entries never void the person's code
            raise CodeExhausted()
        raise CodeRejected(attempts_left=max_attempts - attempts)
    used = ProvisionalCode.objects.filter(pk=code.pk, used_at=None, voided_at=None).update(used_at=now)
    if used != 1:
        raise CodeAlreadyUsed()
    audit.record(event="authn_code_success", now=now, nir=account.beneficiary.nir, account_id=account.pk, client=client)
    return RestrictedGrant(account_id=account.pk, until=code.expires_at, session_epoch=account.session_epoch)


def _refuse_unusable(account: Account, code: ProvisionalCode, *, client: Client, now: datetime) -> None:
    if code.used_at is not None:
        raise CodeAlreadyUsed()
    if code.voided_at is not None:  # the latest code is voided only by too many wrong entries
        raise CodeExhausted()
    if code.expires_at <= now:
        audit.record(
            event="authn_code_expired", now=now, nir=account.beneficiary.nir, account_id=account.pk, client=client
        )
        raise CodeExpired()


def _attempt_count(code: ProvisionalCode, *, client: Client, now: datetime) -> int:
    """Counts the entry before comparing (R-LIM3), per code and client (R-LIM2): five wrong entries from
    one place use the code up there, and nowhere else."""
    limit, key = limits.code_attempts(), f"{code.pk}|{client.address}"
    throttle.hit(limit, key=key, now=now)
    attempts = throttle.count(limit, key=key, now=now)
    if attempts > limit.max_events:
        raise CodeExhausted()
    return attempts
