import re
from pathlib import Path

import pytest

from moncompte.accounts import states
from moncompte.accounts.models import Account
from moncompte.accounts.states import AccountState, TransitionNotAllowed, transition

DRAWING = Path(states.__file__).with_name("states.mmd")


def drawn_edges() -> set[tuple[str, str]]:
    edges = set()
    for line in DRAWING.read_text().splitlines():
        match = re.match(r"\s*(\w+)\s*-->\s*(\w+)", line)
        if match:
            edges.add((match[1], match[2]))
    return edges


def test_the_drawing_and_the_code_have_the_same_transitions():
    assert drawn_edges() == {(a.value, b.value) for a, b in states.TRANSITIONS}


def test_every_state_is_drawn():
    drawn = {state for edge in drawn_edges() for state in edge}
    assert drawn == set(AccountState.values)


@pytest.mark.django_db
def test_a_transition_not_in_the_table_is_refused(beneficiary, now):
    account = Account.objects.create(beneficiary=beneficiary, created_at=now, code_email="a@b.fr")
    with pytest.raises(TransitionNotAllowed):
        transition(account, to=AccountState.ACTIVE)
    transition(account, to=AccountState.CONTACT_PENDING)
    account.refresh_from_db()
    assert account.state == AccountState.CONTACT_PENDING
