"""What an account may do in each state (R-SEC1): one step per state. The web's pages and the app's `next_step`
are derived from this table; an operation of another step is refused, a page of another step sends the
person to theirs."""

from collections.abc import Mapping
from enum import StrEnum
from typing import Final

from moncompte.accounts.states import AccountState
from moncompte.core.errors import DomainError


class AccountStep(StrEnum):
    """The step, named as the app's `next_step` says it."""

    CHOOSE_PERSONAL_CODE = "choose_personal_code"  # signed in with the provisional code (a restricted session)
    GIVE_CONTACT_DETAILS = "give_contact_details"  # the address (twice), the phones, the consents
    CONFIRM_EMAIL = "confirm_email"  # the link again, or to another address (R-EM6, R-EM7); never the account
    ACCOUNT = "account"  # consents, a new address, a new personal code, the devices


STEP_OF_STATE: Final[Mapping[AccountState, AccountStep]] = {
    AccountState.PROVISIONAL: AccountStep.CHOOSE_PERSONAL_CODE,
    AccountState.CONTACT_PENDING: AccountStep.GIVE_CONTACT_DETAILS,
    AccountState.EMAIL_PENDING: AccountStep.CONFIRM_EMAIL,  # R-EM8: whatever the link's window
    AccountState.ACTIVE: AccountStep.ACCOUNT,
}


class NotAtThisStep(DomainError):
    """An operation of another step than the account's, which `next_step` names (the app goes there)."""

    code = "wrong_step"
    message = "Cette étape n'est pas celle où en est votre compte."

    def __init__(self, *, next_step: AccountStep) -> None:
        self.next_step = next_step
        super().__init__()


class AccountNotActive(NotAtThisStep):
    """What only an active account may do, asked before the account is active (R-EM8)."""

    code = "account_not_active"
    message = "Votre compte n'est pas encore actif : terminez sa création."


def step_of(state: str) -> AccountStep:
    return STEP_OF_STATE[AccountState(state)]


def step_check(state: str, step: AccountStep) -> None:
    """Refuses what `step` does to an account in `state` that is at another step."""
    at = step_of(state)
    if at is not step:
        raise AccountNotActive(next_step=at) if step is AccountStep.ACCOUNT else NotAtThisStep(next_step=at)
