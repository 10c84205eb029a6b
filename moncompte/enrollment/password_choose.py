"""Choosing the personal code (R-PW1..8), after signing in with a provisional code (R-CODE4)."""

from datetime import datetime

from django.db import transaction

from moncompte.accounts import emails, password_policy, passwords
from moncompte.accounts.models import Account
from moncompte.accounts.states import AccountState, transition
from moncompte.audit import log as audit
from moncompte.core.client import Client
from moncompte.enrollment.errors import PasswordRefused
from moncompte.outbox import mail


def password_check(*, account: Account, password: str, confirmation: str | None) -> None:
    beneficiary = account.beneficiary
    refusals = password_policy.check(
        password=password, confirmation=confirmation, nir=beneficiary.nir, birth_date=beneficiary.birth_date
    )
    if refusals:
        raise PasswordRefused(refusals)


def password_store(*, account: Account, password: str, client: Client, now: datetime, event: str) -> None:
    """Hashes and saves the code; tells the confirmed address when a code is replaced."""
    had_code = bool(account.password_hash)
    digest = passwords.hash_password(password)  # outside the transaction: it takes tens of milliseconds
    with transaction.atomic():
        Account.objects.filter(pk=account.pk).update(
            password_hash=digest, failed_sign_ins=0, sign_in_blocked_until=None
        )
        account.password_hash = digest
        if account.state == AccountState.PROVISIONAL:
            transition(account, to=AccountState.CONTACT_PENDING)
        confirmed = emails.confirmed_of(account)
        if had_code and confirmed is not None:
            beneficiary = account.beneficiary
            mail.enqueue(
                template="password_changed",
                to=confirmed.address,
                now=now,
                account_id=account.pk,
                context={"first_name": beneficiary.first_name, "last_name": beneficiary.last_name, "at": now},
            )
        audit.record(event=event, now=now, account_id=account.pk, client=client)


def password_choose(*, account_id: int, password: str, confirmation: str, client: Client, now: datetime) -> Account:
    account = Account.objects.select_related("beneficiary").get(pk=account_id)
    password_check(account=account, password=password, confirmation=confirmation)
    password_store(account=account, password=password, client=client, now=now, event="password_chosen")
    return account
