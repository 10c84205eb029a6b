"""R-SEC1: one step per account state; the web's pages and the app's next_step derive from this table."""

import pytest

from moncompte.accounts.states import AccountState
from moncompte.accounts.steps import STEP_OF_STATE, AccountNotActive, AccountStep, NotAtThisStep, step_check, step_of

# Opens no database: the PostgreSQL pass would run it again unchanged (tests/conftest.py).
pytestmark = pytest.mark.without_database


def test_every_state_is_at_one_step_and_every_step_has_a_state():
    assert set(STEP_OF_STATE) == set(AccountState)
    assert set(STEP_OF_STATE.values()) == set(AccountStep)


@pytest.mark.parametrize(
    ("state", "step"),
    [
        (AccountState.PROVISIONAL, "choose_personal_code"),
        (AccountState.CONTACT_PENDING, "give_contact_details"),
        (AccountState.EMAIL_PENDING, "confirm_email"),  # R-EM8: never the account before the email is confirmed
        (AccountState.ACTIVE, "account"),
    ],
)
def test_the_step_of_each_state_R_SEC1(state, step):
    assert step_of(state) == step
    step_check(state, AccountStep(step))


@pytest.mark.parametrize("state", [AccountState.PROVISIONAL, AccountState.CONTACT_PENDING, AccountState.EMAIL_PENDING])
def test_the_account_is_refused_before_the_email_is_confirmed_R_EM8(state):
    with pytest.raises(AccountNotActive):
        step_check(state, AccountStep.ACCOUNT)


@pytest.mark.parametrize("state", [AccountState.EMAIL_PENDING, AccountState.ACTIVE])
def test_a_step_already_done_is_refused_R_SEC1(state):
    with pytest.raises(NotAtThisStep) as refused:
        step_check(state, AccountStep.GIVE_CONTACT_DETAILS)
    assert refused.value.message == "Cette étape n'est pas celle où en est votre compte."
    assert (refused.value.code, refused.value.next_step) == ("wrong_step", step_of(state))
