"""R-BOT2: what an approved restart does to the account, all in the caller's transaction. Whoever created the
account keeps nothing of it: no session, no app token, no personal or provisional code, no address, no phone,
no consent in force; the account is back where only the identity step goes on."""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F

from moncompte.accounts import consents, emails
from moncompte.accounts.models import Account, ConsentChannel, EmailAddress, EmailLink
from moncompte.accounts.states import AccountEvent
from moncompte.accounts.transitions import account_advance
from moncompte.appsessions.models import AppSession
from moncompte.appsessions.tokens import session_revoke
from moncompte.core import tokens
from moncompte.enrollment.queries import provisional_codes_void
from moncompte.outbox import mail

CONSENT_SOURCE = "reprise_guichet"  # the ledger's origin of the "no" written by a restart (R-CT5)


@dataclass(frozen=True)
class RestartDone:
    account_id: int
    app_sessions_ended: int
    consents_withdrawn: int
    told: str  # the masked address the notice went to; "" when the account had none


def account_restart(*, account_id: int, now: datetime) -> RestartDone:
    """Call inside the transaction that approves the request: all of it happens, or none."""
    with transaction.atomic(savepoint=False):
        account = Account.objects.select_for_update().select_related("beneficiary").get(pk=account_id)
        previous = _previous_address(account)
        ended = _app_sessions_end(account, now=now)
        withdrawn = _consents_reset(account, now=now)
        EmailLink.objects.filter(account=account).delete()
        EmailAddress.objects.filter(account=account).delete()
        provisional_codes_void(account_id=account.pk, now=now)
        # A new session epoch ends every web session, restricted ones included (R-LIM5 checks it on each page).
        Account.objects.filter(pk=account.pk).update(
            password_hash="", code_email="", mobile="", landline="", session_epoch=F("session_epoch") + 1
        )
        account_advance(account, event=AccountEvent.ENROLLMENT_RESTARTED, now=now)
        if previous:
            mail.enqueue(
                template="enrollment_restarted",
                to=previous,
                now=now,
                account_id=account.pk,
                context={**account.greeting(), "at": now},
            )
    return RestartDone(account.pk, ended, withdrawn, tokens.mask_email(previous) if previous else "")


def _previous_address(account: Account) -> str:
    """The confirmed address; before any was confirmed, the one the provisional code went to (the only one
    whose holder proved anything)."""
    confirmed = emails.confirmed_of(account)
    return confirmed.address if confirmed else account.code_email


def _app_sessions_end(account: Account, *, now: datetime) -> int:
    live = list(AppSession.objects.filter(account=account, revoked_at=None).values_list("pk", flat=True))
    for session_id in live:
        session_revoke(session_id=session_id, because="enrollment_restarted", now=now)
    return len(live)


def _consents_reset(account: Account, *, now: datetime) -> int:
    """The ledger keeps its history (R-CT5): a "no" is appended for each consent in force, so that nothing
    given by whoever created the account counts, and the new enrollment asks again from nothing ticked."""
    granted = [channel for channel, yes in consents.current(account).items() if yes]
    for channel in granted:
        consents.consent_record(
            account=account, channel=ConsentChannel(channel), granted=False, now=now, source=CONSENT_SOURCE
        )
    return len(granted)
