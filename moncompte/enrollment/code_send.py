"""Identity step: check the person against the registry, then email a provisional code (R-ID1, R-ID2,
R-CAP2, R-CODE1..3, R-MAIL1)."""

from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.db import transaction

from moncompte.accounts.models import Account
from moncompte.accounts.states import AccountState
from moncompte.audit import log as audit
from moncompte.captcha.challenges import challenge_verify
from moncompte.core import throttle, tokens
from moncompte.core.client import Client
from moncompte.core.errors import TooManyAttempts, wait_phrase
from moncompte.enrollment import limits
from moncompte.enrollment.errors import AccountAlreadyExists, IdentityNotMatched
from moncompte.enrollment.models import ProvisionalCode
from moncompte.outbox import mail
from moncompte.registry.models import Beneficiary
from moncompte.registry.nir import Nir


@dataclass(frozen=True)
class CodeSent:
    account_id: int
    email_masked: str
    expires_at: datetime


def provisional_code_issue(*, account: Account, to: str, now: datetime) -> CodeSent:
    """Voids older codes and writes the new one with its email, in one transaction (R-CODE2, R-MAIL1)."""
    clear = tokens.provisional_code()
    expires_at = now + settings.MONCOMPTE["CODE_LIFETIME"]
    beneficiary = account.beneficiary
    # No savepoint when called inside a caller's transaction: all or nothing is the caller's.
    with transaction.atomic(savepoint=False):
        ProvisionalCode.objects.void_for(account, now=now)
        ProvisionalCode.objects.create(
            account=account,
            digest=tokens.digest(purpose="provisional_code", value=f"{account.pk}:{clear}"),
            created_at=now,
            expires_at=expires_at,
        )
        mail.enqueue(
            template="provisional_code",
            to=to,
            now=now,
            account_id=account.pk,
            context={
                "first_name": beneficiary.first_name,
                "last_name": beneficiary.last_name,
                "expires_at": expires_at,
                "validity": wait_phrase(settings.MONCOMPTE["CODE_LIFETIME"]),
            },
            secret_context={"code": clear},
        )
    return CodeSent(account_id=account.pk, email_masked=tokens.mask_email(to), expires_at=expires_at)


def code_send(
    *,
    nir: Nir,
    birth_date: date,
    postal_code: str,
    email: str,
    captcha_id: str,
    captcha_answer: str,
    client: Client,
    now: datetime,
) -> CodeSent:
    """First visit: the person proves who they are and receives a provisional code by email."""
    challenge_verify(challenge_id=captcha_id, answer=captcha_answer, now=now)
    per_nir, per_client = limits.identity_failures_per_nir(), limits.identity_failures_per_client()
    try:
        throttle.check(per_client, key=client.address, now=now)
        throttle.check(per_nir, key=nir.value, now=now)
    except TooManyAttempts:
        audit.record(event="identity_throttled", now=now, nir=nir.value, client=client)
        raise

    beneficiary = Beneficiary.objects.filter(
        nir=nir.value, birth_date=birth_date, postal_code=postal_code.strip()
    ).first()
    if beneficiary is None:
        throttle.hit(per_client, key=client.address, now=now)
        throttle.hit(per_nir, key=nir.value, now=now)
        audit.record(event="identity_not_matched", now=now, nir=nir.value, client=client)
        raise IdentityNotMatched()

    account = Account.objects.filter(beneficiary=beneficiary).first()
    if account is not None and account.state != AccountState.PROVISIONAL:
        audit.record(event="identity_account_exists", now=now, nir=nir.value, account_id=account.pk, client=client)
        raise AccountAlreadyExists()

    sends = limits.codes_sent_per_nir()
    throttle.check(sends, key=nir.value, now=now)
    with transaction.atomic():
        created = False
        if account is None:  # get_or_create: two first visits at the same moment make one account
            account, created = Account.objects.get_or_create(
                beneficiary=beneficiary, defaults={"created_at": now, "code_email": email}
            )
        if not created:
            Account.objects.filter(pk=account.pk).update(code_email=email)
        sent = provisional_code_issue(account=account, to=email, now=now)
        throttle.hit(sends, key=nir.value, now=now)
        audit.record(
            event="provisional_code_sent",
            now=now,
            nir=nir.value,
            account_id=account.pk,
            client=client,
            email=sent.email_masked,
        )
    return sent
