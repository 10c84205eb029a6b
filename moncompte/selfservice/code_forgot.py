"""« Code oublié ? » (R-CODE5): a new provisional code to the confirmed address; the same answer whatever
matched, so the page tells nobody who has an account."""

from datetime import date, datetime

from moncompte.accounts import emails
from moncompte.accounts.models import Account
from moncompte.audit import log as audit
from moncompte.captcha.guard import CaptchaProof, captcha_check
from moncompte.core import throttle
from moncompte.core.client import Client
from moncompte.enrollment import limits
from moncompte.enrollment.provisional_codes import provisional_code_issue
from moncompte.registry.nir import Nir


def code_forgot(*, nir: Nir, birth_date: date, captcha: CaptchaProof, client: Client, now: datetime) -> None:
    captcha_check(proof=captcha, client=client, now=now)
    sends = limits.codes_sent_per_nir()
    per_client = limits.identity_failures_per_client()
    throttle.check(per_client, key=client.address, now=now)
    # Counted whether or not an account matches, so the limit itself reveals nothing.
    throttle.check(sends, key=nir.value, now=now)
    throttle.hit(sends, key=nir.value, now=now)

    account = (
        Account.objects.select_related("beneficiary")
        .filter(beneficiary__nir=nir.value, beneficiary__birth_date=birth_date)
        .first()
    )
    confirmed = emails.confirmed_of(account) if account else None
    # Before any address is confirmed, the one that received the first provisional code is the proven one.
    to = confirmed.address if confirmed else (account.code_email if account else "")
    if account is None or not to:
        throttle.hit(per_client, key=client.address, now=now)
        audit.record(event="code_forgot_no_match", now=now, nir=nir.value, client=client)
        return
    sent = provisional_code_issue(account=account, to=to, now=now)
    audit.record(
        event="code_forgot_sent",
        now=now,
        nir=nir.value,
        account_id=account.pk,
        client=client,
        email=sent.email_masked,
    )
