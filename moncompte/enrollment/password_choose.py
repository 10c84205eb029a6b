"""Choosing the personal code (R-PW1..8), after signing in with a provisional code (R-CODE4)."""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from moncompte.accounts import emails, password_policy, passwords
from moncompte.accounts.models import Account, EmailAddress
from moncompte.accounts.queries import password_hash_set
from moncompte.accounts.states import AccountEvent, AccountState
from moncompte.accounts.transitions import account_advance
from moncompte.audit import log as audit
from moncompte.core.client import Client
from moncompte.defence.keys import ACCOUNT
from moncompte.defence.watch import velocity_record
from moncompte.enrollment.devices import device_issue
from moncompte.enrollment.errors import PasswordRefused, PersonalCodeChangedMeanwhile
from moncompte.enrollment.queries import account_with_person, provisional_codes_void
from moncompte.outbox import mail


@dataclass(frozen=True)
class PersonalCodeSet:
    account_id: int
    replaced: bool  # an earlier personal code was replaced ("Code oublié ?"), not chosen for the first time
    session_epoch: int  # sessions begun before belong to an ended epoch (R-LIM5)
    state: AccountState  # the account's state once the code is set: where the person lands
    device: str  # R-LIM8: a device credential of the new epoch, for the browser's cookie or the app


def password_check(*, account: Account, password: str, confirmation: str | None) -> None:
    beneficiary = account.beneficiary
    refusals = password_policy.check(
        password=password, confirmation=confirmation, nir=beneficiary.nir, birth_date=beneficiary.birth_date
    )
    if refusals:
        raise PasswordRefused(refusals)


def password_store(
    *,
    account: Account,
    password: str,
    client: Client,
    now: datetime,
    event: str,
    replacing: str | None = None,
    device_seed: str = "",
) -> PersonalCodeSet:
    """Hashes and saves the code; tells the confirmed address when a code is replaced. With `replacing` (the
    stored code the person just proved to know), only if that is still the stored code: of two changes made at
    once with the same old code (web and app), one wins and the other is refused (R-LIM5). `device_seed`: what
    the device credential given is derived from (devices.device_issue), so a retry can be given it again."""
    had_code = bool(account.password_hash)
    digest = passwords.hash_password(password)  # outside the transaction: it takes tens of milliseconds
    with transaction.atomic():
        epoch = password_hash_set(account_id=account.pk, digest=digest, replacing=replacing)
        if epoch is None:
            raise PersonalCodeChangedMeanwhile()
        account.password_hash, account.session_epoch = digest, epoch
        # R-CODE2: a personal code ends every provisional code still outstanding (the person is in).
        provisional_codes_void(account_id=account.pk, now=now)
        device = device_issue(account=account, channel=client.channel, now=now, seed=device_seed)
        state = account_advance(account, event=AccountEvent.PERSONAL_CODE_SET, now=now)
        if had_code:  # only a replaced code has a confirmed address to tell; a first code (the journey) skips it
            _replaced_told(account, client=client, now=now)
        audit.record(event=event, now=now, account_id=account.pk, client=client)
    return PersonalCodeSet(
        account_id=account.pk, replaced=had_code, session_epoch=account.session_epoch, state=state, device=device
    )


def _replaced_told(account: Account, *, client: Client, now: datetime) -> None:
    """A code replaced: the confirmed address is told, and a change of address asked in a session the new code
    just ended does not go through after it."""
    confirmed = emails.confirmed_of(account)
    if confirmed is None:
        return
    if emails.pending_of(account, now=now) is not None:
        EmailAddress.objects.filter(account=account, confirmed_at=None).delete()
        audit.record(event="email_change_cancelled", now=now, account_id=account.pk, client=client)
    mail.enqueue(
        template="password_changed",
        to=confirmed.address,
        now=now,
        account_id=account.pk,
        context={**account.greeting(), "at": now},
    )


def password_choose(
    *, account_id: int, password: str, confirmation: str, client: Client, now: datetime, device_seed: str = ""
) -> PersonalCodeSet:
    account = account_with_person(account_id=account_id)
    password_check(account=account, password=password, confirmation=confirmation)
    chosen = password_store(
        account=account, password=password, client=client, now=now, event="password_chosen", device_seed=device_seed
    )
    if not chosen.replaced:  # R-BOT1: an account is "created" when its first personal code is chosen
        postal_code = account.beneficiary.postal_code
        velocity_record(
            signal=ACCOUNT, address=client.address, email=account.code_email, postal_code=postal_code, now=now
        )
    return chosen
