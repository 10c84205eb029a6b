"""Sign-in with NIR + provisional code (R-CODE2, R-CODE4)."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import F

from moncompte.accounts.models import Account
from moncompte.audit import log as audit
from moncompte.core import tokens
from moncompte.core.client import Client
from moncompte.enrollment.errors import CodeAlreadyUsed, CodeExhausted, CodeExpired, CodeRejected
from moncompte.enrollment.models import ProvisionalCode
from moncompte.registry.nir import Nir


@dataclass(frozen=True)
class RestrictedGrant:
    """What the web layer needs to open a restricted session: whose, and until when."""

    account_id: int
    until: datetime


def code_verify(*, nir: Nir, typed: str, client: Client, now: datetime) -> RestrictedGrant:
    account = Account.objects.filter(beneficiary__nir=nir.value).first()
    return provisional_code_consume(account=account, nir=nir, typed=typed, client=client, now=now)


def provisional_code_consume(
    *, account: Account | None, nir: Nir, typed: str, client: Client, now: datetime
) -> RestrictedGrant:
    """The checks of code_verify, for a caller that has already looked the account up."""
    code = ProvisionalCode.objects.filter(account=account).order_by("-created_at", "-id").first() if account else None
    if account is None or code is None:
        audit.record(event="authn_code_unknown", now=now, nir=nir.value, client=client)
        raise CodeRejected()
    if code.used_at is not None:
        raise CodeAlreadyUsed()
    if code.voided_at is not None:  # the latest code is voided only by too many wrong entries
        raise CodeExhausted()
    if code.expires_at <= now:
        audit.record(event="authn_code_expired", now=now, nir=nir.value, account_id=account.pk, client=client)
        raise CodeExpired()

    max_attempts = settings.MONCOMPTE["CODE_MAX_ATTEMPTS"]
    # Count the attempt before comparing, in one conditional UPDATE, so parallel guesses cannot exceed it.
    counted = ProvisionalCode.objects.filter(pk=code.pk, attempts__lt=max_attempts, used_at=None).update(
        attempts=F("attempts") + 1
    )
    if counted != 1:
        raise CodeExhausted()
    attempts = code.attempts + 1
    typed_clean = "".join(typed.split())
    if not tokens.matches(purpose="provisional_code", stored_digest=code.digest, typed=f"{account.pk}:{typed_clean}"):
        audit.record(
            event="authn_code_failure",
            now=now,
            nir=nir.value,
            account_id=account.pk,
            client=client,
            attempt=attempts,
        )
        if attempts >= max_attempts:
            ProvisionalCode.objects.filter(pk=code.pk).update(voided_at=now)
            raise CodeExhausted()
        raise CodeRejected(attempts_left=max_attempts - attempts)

    used = ProvisionalCode.objects.filter(pk=code.pk, used_at=None, voided_at=None).update(used_at=now)
    if used != 1:
        raise CodeAlreadyUsed()
    audit.record(event="authn_code_success", now=now, nir=nir.value, account_id=account.pk, client=client)
    return RestrictedGrant(account_id=account.pk, until=code.expires_at)
