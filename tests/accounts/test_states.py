import re
from pathlib import Path

import pytest

from moncompte.accounts import states
from moncompte.accounts.models import Account
from moncompte.accounts.states import (
    INITIAL,
    TRANSITIONS,
    AccountEvent,
    AccountState,
    TransitionNotAllowed,
    accepts,
    next_state,
)
from moncompte.accounts.transitions import account_advance

DRAWING = Path(states.__file__).with_name("states.mmd")
ARROW = re.compile(r"\s*(\[\*\]|\w+)\s*-->\s*(\w+)\s*:\s*(\w+)\s*$")


def drawn_arrows() -> set[tuple[str, str, str]]:
    """(from, event, to) for every arrow of the Mermaid drawing; '[*]' is the start."""
    arrows = set()
    for line in DRAWING.read_text().splitlines():
        match = ARROW.match(line)
        if match:
            arrows.add((match[1], match[3], match[2]))
    return arrows


def test_the_drawing_has_the_same_states_events_and_arrows_as_the_table():
    table = {(state.value, event.value, target.value) for (state, event), target in TRANSITIONS.items()}
    event, first = INITIAL
    assert drawn_arrows() == table | {("[*]", event.value, first.value)}


def test_every_state_and_every_event_is_drawn():
    arrows = drawn_arrows()
    assert {s for a in arrows for s in (a[0], a[2])} - {"[*]"} == set(AccountState.values)
    assert {a[1] for a in arrows} == set(AccountEvent.values)


def test_every_state_is_reachable_and_an_active_account_stays_active_unless_restarted_R_BOT2():
    reached = {target for target in TRANSITIONS.values()}
    assert reached == set(AccountState)
    assert all(
        target == AccountState.ACTIVE
        for (state, event), target in TRANSITIONS.items()
        if state == AccountState.ACTIVE and event != AccountEvent.ENROLLMENT_RESTARTED
    )


@pytest.mark.parametrize("state", list(AccountState))
def test_a_restart_takes_every_state_back_to_where_only_the_identity_step_goes_on_R_BOT2(state):
    assert next_state(state, AccountEvent.ENROLLMENT_RESTARTED) == AccountState.PROVISIONAL
    assert accepts(AccountState.PROVISIONAL, AccountEvent.IDENTITY_PROVEN)  # the identity step no longer says "exists"


@pytest.mark.parametrize("state", list(AccountState))
@pytest.mark.parametrize("event", list(AccountEvent))
def test_every_state_and_event_pair_is_allowed_by_the_table_or_refused(db, beneficiary, now, state, event):
    account = Account.objects.create(beneficiary=beneficiary, created_at=now, code_email="a@b.fr", state=state)
    if (state, event) in TRANSITIONS:
        assert accepts(state, event)
        assert account_advance(account, event=event, now=now) == TRANSITIONS[(state, event)]
        account.refresh_from_db()
        target = TRANSITIONS[(state, event)]
        # The time of the last real change of state: an arrow back to the same state leaves it as it was.
        assert (account.state, account.state_changed_at) == (target, now if target != state else None)
    else:
        assert not accepts(state, event)
        with pytest.raises(TransitionNotAllowed) as refused:
            account_advance(account, event=event, now=now)
        assert (refused.value.state, refused.value.event) == (state, event)
        account.refresh_from_db()
        assert account.state == state


def test_the_journey_is_a_path_of_events():
    state = INITIAL[1]
    for event in (AccountEvent.PERSONAL_CODE_SET, AccountEvent.CONTACT_GIVEN, AccountEvent.LINK_CONFIRMED):
        state = next_state(state, event)
    assert state == AccountState.ACTIVE


def test_a_stale_copy_applies_its_event_to_the_state_found_in_the_database(db, beneficiary, now):
    """A double submit of the personal-code form: the second request read 'provisional' before the first
    committed. It re-reads the state and follows the idempotent arrow instead of failing (no 500)."""
    account = Account.objects.create(beneficiary=beneficiary, created_at=now, code_email="a@b.fr")
    stale = Account.objects.get(pk=account.pk)
    account_advance(account, event=AccountEvent.PERSONAL_CODE_SET, now=now)
    assert stale.state == AccountState.PROVISIONAL
    assert account_advance(stale, event=AccountEvent.PERSONAL_CODE_SET, now=now) == AccountState.CONTACT_PENDING


def test_a_stale_copy_is_refused_when_the_state_found_does_not_allow_the_event(db, beneficiary, now):
    account = Account.objects.create(beneficiary=beneficiary, created_at=now, code_email="a@b.fr")
    stale = Account.objects.get(pk=account.pk)
    account_advance(account, event=AccountEvent.PERSONAL_CODE_SET, now=now)
    account_advance(account, event=AccountEvent.CONTACT_GIVEN, now=now)
    with pytest.raises(TransitionNotAllowed):
        account_advance(stale, event=AccountEvent.IDENTITY_PROVEN, now=now)
    assert Account.objects.get(pk=account.pk).state == AccountState.EMAIL_PENDING
