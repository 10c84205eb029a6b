"""« Code oublié ? » (R-CODE5): a new provisional code to the confirmed address; the same answer whatever
matched, so the page tells nobody who has an account."""

from datetime import date, datetime

from django.db import transaction

from moncompte.accounts import emails
from moncompte.accounts.models import Account
from moncompte.audit import log as audit
from moncompte.captcha.guard import CaptchaProof
from moncompte.core import pacing, throttle
from moncompte.core.client import Client
from moncompte.core.conf import conf
from moncompte.core.errors import TooManyAttempts
from moncompte.enrollment import devices, limits
from moncompte.enrollment.captcha_pass import captcha_pass
from moncompte.enrollment.provisional_codes import provisional_code_issue
from moncompte.registry.nir import Nir
from moncompte.selfservice.limits import code_forgot_per_client


def code_forgot(
    *, nir: Nir, birth_date: date, captcha: CaptchaProof, client: Client, device: str = "", now: datetime
) -> None:
    """The same answer, in the same time, whatever matched (R-CODE5, R-LIM4). Only the party that fails is
    slowed (R-LIM2): wrong birth dates count against the client, never against the person's quota of codes,
    which counts the codes actually sent. `device` is the credential the browser or app presented ("" when
    none): one of this account's gets a code past the caps others use up, under its own (R-LIM8)."""
    with pacing.at_least(conf().code_forgot_min_seconds):
        captcha_pass(proof=captcha, nir=nir, client=client, now=now, step="code_forgot")
        account = (
            Account.objects.select_related("beneficiary")
            .filter(beneficiary__nir=nir.value, beneficiary__birth_date=birth_date)
            .first()
        )
        trusted = devices.device_of(credential=device, account=account, now=now) if device else None
        if trusted is None:  # every request, matched or not (R-LIM4), counted before a code is sent (R-LIM3)
            _client_count(nir=nir, client=client, now=now)
        if account is None:
            audit.record(event="code_forgot_no_match", now=now, nir=nir.value, client=client)
            return
        _code_resend(account, nir=nir, client=client, device=trusted, now=now)


def _client_count(*, nir: Nir, client: Client, now: datetime) -> None:
    try:
        throttle.counted(code_forgot_per_client(), key=client.address, now=now)
    except TooManyAttempts:
        audit.record(event="code_forgot_throttled", now=now, nir=nir.value, client=client)
        raise


def _code_resend(account: Account, *, nir: Nir, client: Client, device: int | None, now: datetime) -> None:
    """Under the account's row lock, so parallel requests cannot pass the quota."""
    with transaction.atomic():
        account = Account.objects.select_for_update().select_related("beneficiary").get(pk=account.pk)
        confirmed = emails.confirmed_of(account)
        # Before any address is confirmed, the one that received the first provisional code is the proven one.
        to = confirmed.address if confirmed else account.code_email
        if to:
            with limits.code_send_counted(nir=nir.value, client=client, to=to, device=device, now=now) as wait:
                if wait is None:  # counted: taken back if the code cannot be issued (R-LIM2)
                    _code_issue(account, to=to, nir=nir, client=client, device=device, now=now)
                    return
        audit.record(event="code_forgot_quota", now=now, nir=nir.value, account_id=account.pk, client=client)


def _code_issue(account: Account, *, to: str, nir: Nir, client: Client, device: int | None, now: datetime) -> None:
    sent = provisional_code_issue(account=account, to=to, now=now)
    audit.record(
        event="code_forgot_sent",
        now=now,
        nir=nir.value,
        account_id=account.pk,
        client=client,
        email=sent.email_masked,
        **({"device": str(device)} if device is not None else {}),
    )
