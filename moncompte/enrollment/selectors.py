"""What the journey's pages show, read in one call each (services write, selectors read)."""

from dataclasses import dataclass
from datetime import datetime

from moncompte.accounts import emails
from moncompte.accounts.emails import Window
from moncompte.accounts.models import Account
from moncompte.accounts.states import AccountState
from moncompte.core import tokens


@dataclass(frozen=True)
class PersonName:
    first_name: str
    last_name: str


def person_name_of(*, account_id: int) -> PersonName:
    first, last = Account.objects.values_list("beneficiary__first_name", "beneficiary__last_name").get(pk=account_id)
    return PersonName(first_name=first, last_name=last)


def account_state_of(*, account_id: int) -> AccountState:
    """Where the account stands in the journey: the page a signed-in person belongs on follows from it."""
    return AccountState(Account.objects.values_list("state", flat=True).get(pk=account_id))


@dataclass(frozen=True)
class SessionStanding:
    state: AccountState
    epoch: int


def session_standing_of(*, account_id: int) -> SessionStanding | None:
    """The account's state and session epoch, in one read (None for an account erased meanwhile)."""
    row = Account.objects.filter(pk=account_id).values_list("state", "session_epoch").first()
    return SessionStanding(state=AccountState(row[0]), epoch=row[1]) if row else None


@dataclass(frozen=True)
class PendingEmail:
    """The address waiting for confirmation and its window (R-EM1, R-EM6, R-EM7)."""

    window: Window
    email_masked: str  # "" once the address is forgotten
    undeliverable: bool = False  # R-DLV2: the receiving server said the address does not exist


def pending_email_of(*, account_id: int, now: datetime) -> PendingEmail:
    pending = emails.pending_of(Account(pk=account_id), now=now)
    if pending is None:
        return PendingEmail(window=Window.FORGOTTEN, email_masked="")
    return PendingEmail(
        window=pending.window,
        email_masked=tokens.mask_email(pending.email.address),
        undeliverable=pending.email.undeliverable_at is not None,
    )
