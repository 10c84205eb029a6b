"""Provisional codes (R-CODE1..4): issued with their email, consumed once at sign-in.

Sign-in takes one secret that may be a provisional code or a personal code: `secret_classify` looks the
outstanding code up once and says which it is, and `provisional_code_consume` checks the code it found.
"""

import functools
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from django.db import transaction

from moncompte.accounts.models import Account
from moncompte.accounts.queries import AccountKeys
from moncompte.audit import log as audit
from moncompte.core import clock, tokens
from moncompte.core.client import Client
from moncompte.core.conf import conf
from moncompte.core.outage import take_back_if_out
from moncompte.core.queries import row_insert
from moncompte.enrollment.errors import CodeAlreadyUsed, CodeExpired
from moncompte.enrollment.models import ProvisionalCode
from moncompte.enrollment.queries import CodeFound, provisional_code_of, provisional_code_unuse, provisional_code_use
from moncompte.outbox import mail

PURPOSE = "provisional_code"


@dataclass(frozen=True)
class CodeSent:
    account_id: int
    email_masked: str
    expires_at: datetime


def provisional_code_issue(*, account: Account, to: str, now: datetime) -> CodeSent:
    """Writes the new code with its email, in one transaction (R-MAIL1). Earlier codes stay valid until they
    expire or a personal code is chosen (R-CODE2, R-LIM8): a request by someone else never voids the person's."""
    clear = tokens.provisional_code()
    expires_at = now + conf().code_lifetime
    # No savepoint when called inside a caller's transaction: all or nothing is the caller's.
    with transaction.atomic(savepoint=False):
        # Issue 22: through the ORM's save(), 0.1 % of the web processes' Python time under SQLCompiler.execute_sql
        # alone (py-spy --gil during `bench.journey_bench --redis`), ~0.5 ms against ~0.07 ms on a cursor.
        row_insert(
            ProvisionalCode(account=account, digest=_digest(account, clear), created_at=now, expires_at=expires_at)
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


def _digest(account: AccountKeys, typed: str) -> str:
    return tokens.digest(purpose=PURPOSE, value=f"{account.pk}:{''.join(typed.split())}")


def _matches(account: AccountKeys, code: CodeFound, typed: str) -> bool:
    return tokens.matches(purpose=PURPOSE, stored_digest=code.digest, typed=f"{account.pk}:{''.join(typed.split())}")


class SecretKind(Enum):
    PROVISIONAL_CODE = "provisional_code"
    PERSONAL_CODE = "personal_code"


@dataclass(frozen=True)
class TypedSecret:
    kind: SecretKind
    code: CodeFound | None  # the latest provisional code, looked up once


def secret_classify(*, account: AccountKeys, typed: str, now: datetime) -> TypedSecret:
    """Which secret the person typed: one of the account's provisional codes only if it matches it (before a
    personal code exists, whatever that code's state, so "expiré" or "déjà servi" can be said; after, only a
    live one, so "Code oublié ?" works while the personal code is suspended, R-PW9). Anything else is checked
    as a personal code, even on an account without one: counted, slowed and answered exactly as for any NIR,
    so a wrong entry never tells that a provisional account exists (R-LIM4).

    An account may hold several codes (R-CODE2): the typed one is found by its keyed digest, one indexed read
    whatever their number, then compared again in constant time."""
    code = provisional_code_of(account_id=account.pk, digest=_digest(account, typed))
    if code is None or not _matches(account, code, typed):
        return TypedSecret(SecretKind.PERSONAL_CODE, None)
    live = not code.used and not code.voided and code.expires_at > now
    return TypedSecret(
        SecretKind.PROVISIONAL_CODE if live or not account.password_hash else SecretKind.PERSONAL_CODE, code
    )


def provisional_code_give_back(*, code_id: int, used_at: datetime, account_id: int, session_epoch: int) -> bool:
    """Undoes the use of a provisional code at `used_at` whose restricted session could not be opened (the
    service out before the answer): the person may send the same code again, within its 30 minutes. Not if a
    later use took it, nor once a personal code was chosen (the account past `session_epoch`). Audited; whether
    it was given back."""
    given = provisional_code_unuse(code_id=code_id, used_at=used_at, session_epoch=session_epoch)
    if given:
        audit.record(event="authn_code_given_back", now=clock.now(), account_id=account_id)
    return given


@dataclass(frozen=True)
class RestrictedGrant:
    """What opens a restricted session (R-CODE4): whose, and until when."""

    account_id: int
    until: datetime
    session_epoch: int


def provisional_code_consume(
    *, account: AccountKeys, nir: str, code: CodeFound, client: Client, now: datetime
) -> RestrictedGrant:
    """Uses up the provisional code the person typed right (secret_classify checked it matches): single use,
    30 minutes (R-CODE2); one conditional UPDATE, so two parallel uses cannot both succeed. `nir`: the
    account's, as typed (audited)."""
    if code.expires_at <= now:
        audit.record(event="authn_code_expired", now=now, nir=nir, account_id=account.pk, client=client)
        raise CodeExpired()
    if not provisional_code_use(code_id=code.id, now=now):
        raise CodeAlreadyUsed()
    audit.record(event="authn_code_success", now=now, nir=nir, account_id=account.pk, client=client)
    # Used up, and the session it opens not kept yet (Redis, with the response): if the service goes out before,
    # the person gets the code back and may send it again.
    give_back = functools.partial(
        provisional_code_give_back,
        code_id=code.id,
        used_at=now,
        account_id=account.pk,
        session_epoch=account.session_epoch,
    )
    take_back_if_out(give_back)
    return RestrictedGrant(account_id=account.pk, until=code.expires_at, session_epoch=account.session_epoch)
