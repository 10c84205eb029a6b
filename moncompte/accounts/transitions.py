"""The one function that writes Account.state (docs/architecture.md), following the table of states.py."""

from datetime import datetime

from moncompte.accounts.models import Account
from moncompte.accounts.queries import account_state_move
from moncompte.accounts.states import AccountEvent, AccountState, ConcurrentChange, next_state

# A double submit or two tabs race for the same account: the loser re-reads the state and applies its
# event to what it finds (often an idempotent arrow); past a few rounds something is wrong.
ROUNDS = 3


def account_advance(account: Account, *, event: AccountEvent, now: datetime) -> AccountState:
    """Applies `event` with one conditional UPDATE, so a change made meanwhile is never overwritten.

    Raises TransitionNotAllowed when the table has no arrow for the state found, ConcurrentChange when the
    state keeps moving under it.
    """
    for _ in range(ROUNDS):
        target = next_state(account.state, event)
        changed = target != account.state
        seen, changed_at = account.state, now if changed else None
        if account_state_move(account_id=account.pk, seen=seen, target=target, changed_at=changed_at):
            account.state = target
            if changed:
                account.state_changed_at = now
            return target
        account.state = Account.objects.values_list("state", flat=True).get(pk=account.pk)
    raise ConcurrentChange()
