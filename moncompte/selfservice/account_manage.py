"""What a signed-in person can change on the account page: consents, email address, personal code."""

from datetime import datetime

from django.db import transaction

from moncompte.accounts import consents, emails
from moncompte.accounts.models import Account, ConsentChannel
from moncompte.accounts.states import AccountEvent
from moncompte.accounts.transitions import account_advance
from moncompte.audit import log as audit
from moncompte.core.client import Client
from moncompte.enrollment.email_links import link_send
from moncompte.enrollment.password_choose import PersonalCodeSet, password_check, password_store
from moncompte.outbox import mail
from moncompte.selfservice.errors import (
    ConsentNotOffered,
    CurrentCodeBlocked,
    EmailUnchanged,
    SignInBlocked,
    WrongCurrentPassword,
)
from moncompte.selfservice.personal_code import personal_code_verify


def consent_set(
    *, account_id: int, channel: str, granted: bool, client: Client, now: datetime, source: str = "compte"
) -> None:
    """R-CT5: giving or withdrawing a consent is one action, appended to the ledger with where it was given
    ("compte" on the web, "app" in the ameli app)."""
    account = Account.objects.get(pk=account_id)
    if channel not in consents.channels_for(mobile=account.mobile, landline=account.landline):
        raise ConsentNotOffered()
    with transaction.atomic():
        consents.consent_record(
            account=account, channel=ConsentChannel(channel), granted=granted, now=now, source=source
        )
        audit.record(
            event="consent_changed", now=now, account_id=account.pk, client=client, channel=channel, granted=granted
        )


def signed_out(*, account_id: int, client: Client, now: datetime) -> None:
    """Signing out is in the security log too (R-SEC3): the session itself is ended by the web layer."""
    audit.record(event="sign_out", now=now, account_id=account_id, client=client)


def _require_password(account: Account, typed: str, *, client: Client, now: datetime) -> None:
    """R-LIM5: the current code asked again is throttled and audited like a sign-in."""
    try:
        nir, stored = account.beneficiary.nir, account.password_hash
        right = personal_code_verify(nir=nir, stored=stored, typed=typed, client=client, now=now, event="current_code")
    except SignInBlocked as blocked:
        raise CurrentCodeBlocked(blocked.retry_after) from blocked
    if not right:
        raise WrongCurrentPassword()


def email_change_request(*, account_id: int, address: str, current_password: str, client: Client, now: datetime) -> str:
    """A link to the new address; the old one is told and stays until the new one is confirmed."""
    account = Account.objects.select_related("beneficiary").get(pk=account_id)
    _require_password(account, current_password, client=client, now=now)
    current = emails.confirmed_of(account)
    if current is not None and current.canonical == emails.canonical(address):
        raise EmailUnchanged()
    with emails.refused_email_claims_counted(account_id=account.pk, now=now), transaction.atomic():
        account_advance(account, event=AccountEvent.ADDRESS_GIVEN, now=now)
        pending = emails.claim_pending(account=account, address=address, now=now)
        masked = link_send(account=account, email=pending, now=now)
        if current is not None:
            _old_address_tell(account, to=current.address, new_email_masked=masked, now=now)
        audit.record(event="email_change_requested", now=now, account_id=account.pk, client=client, email=masked)
    return masked


def _old_address_tell(account: Account, *, to: str, new_email_masked: str, now: datetime) -> None:
    mail.enqueue(
        template="email_change_notice",
        to=to,
        now=now,
        account_id=account.pk,
        context={**account.greeting(), "new_email_masked": new_email_masked},
    )


def password_change(
    *, account_id: int, current_password: str, password: str, confirmation: str, client: Client, now: datetime
) -> PersonalCodeSet:
    """Every other session ends (a new session epoch); the caller renews its own (R-LIM5)."""
    account = Account.objects.select_related("beneficiary").get(pk=account_id)
    _require_password(account, current_password, client=client, now=now)
    password_check(account=account, password=password, confirmation=confirmation)
    replacing = account.password_hash  # the code just proved: two changes at once, only one goes through
    return password_store(
        account=account, password=password, client=client, now=now, event="password_changed", replacing=replacing
    )
