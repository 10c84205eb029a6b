"""The account page (issue: name, email, phones, consents) and what a signed-in person can change there."""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from moncompte.accounts import consents, emails, passwords, phones
from moncompte.accounts.emails import Window
from moncompte.accounts.models import Account, ConsentChannel
from moncompte.audit import log as audit
from moncompte.core import tokens
from moncompte.core.client import Client
from moncompte.enrollment import limits
from moncompte.enrollment.email_links import link_send
from moncompte.enrollment.errors import EmailUnchanged, WrongCurrentPassword
from moncompte.enrollment.password_choose import password_check, password_store
from moncompte.outbox import mail


@dataclass(frozen=True)
class ConsentLine:
    channel: str
    label: str
    granted: bool | None


@dataclass(frozen=True)
class AccountOverview:
    first_name: str
    last_name: str
    email: str
    pending_email_masked: str
    pending_window: Window | None
    mobile: str
    landline: str
    consents: list[ConsentLine]


def account_overview(*, account_id: int, now: datetime) -> AccountOverview:
    account = Account.objects.select_related("beneficiary").get(pk=account_id)
    confirmed = emails.confirmed_of(account)
    pending = emails.pending_of(account, now=now)
    decided = consents.current(account)
    channels = consents.channels_for(mobile=account.mobile, landline=account.landline)
    return AccountOverview(
        first_name=account.beneficiary.first_name,
        last_name=account.beneficiary.last_name,
        email=confirmed.address if confirmed else "",
        pending_email_masked=tokens.mask_email(pending.email.address) if pending else "",
        pending_window=pending.window if pending else None,
        mobile=phones.display(account.mobile),
        landline=phones.display(account.landline),
        consents=[ConsentLine(c.value, c.label, decided.get(c.value)) for c in channels],
    )


def consent_set(*, account_id: int, channel: str, granted: bool, client: Client, now: datetime) -> None:
    """R-CT5: giving or withdrawing a consent is one action, appended to the ledger."""
    account = Account.objects.get(pk=account_id)
    allowed = consents.channels_for(mobile=account.mobile, landline=account.landline)
    if channel not in allowed:
        raise ValueError(f"no consent question for {channel}")
    with transaction.atomic():
        consents.consent_record(
            account=account, channel=ConsentChannel(channel), granted=granted, now=now, source="compte"
        )
        audit.record(
            event="consent_changed",
            now=now,
            account_id=account.pk,
            client=client,
            channel=channel,
            granted=granted,
        )


def _require_password(account: Account, typed: str) -> None:
    if not passwords.verify(account.password_hash, typed):
        raise WrongCurrentPassword()


def email_change_request(*, account_id: int, address: str, password: str, client: Client, now: datetime) -> str:
    """A link to the new address; the old one is told and stays until the new one is confirmed."""
    account = Account.objects.select_related("beneficiary").get(pk=account_id)
    _require_password(account, password)
    current = emails.confirmed_of(account)
    if current is not None and current.canonical == emails.canonical(address):
        raise EmailUnchanged()
    with limits.refused_email_claims_counted(account_id=account.pk, now=now), transaction.atomic():
        pending = emails.claim_pending(account=account, address=address, now=now)
        masked = link_send(account=account, email=pending, now=now)
        if current is not None:
            mail.enqueue(
                template="email_change_notice",
                to=current.address,
                now=now,
                account_id=account.pk,
                context={
                    "first_name": account.beneficiary.first_name,
                    "last_name": account.beneficiary.last_name,
                    "new_email_masked": masked,
                },
            )
        audit.record(event="email_change_requested", now=now, account_id=account.pk, client=client, email=masked)
    return masked


def password_change(
    *, account_id: int, current: str, password: str, confirmation: str, client: Client, now: datetime
) -> None:
    account = Account.objects.select_related("beneficiary").get(pk=account_id)
    _require_password(account, current)
    password_check(account=account, password=password, confirmation=confirmation)
    password_store(account=account, password=password, client=client, now=now, event="password_changed")
