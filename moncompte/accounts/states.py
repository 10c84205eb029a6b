"""The account state machine of DESIGN section 2. states.mmd draws the same edges (checked by a test)."""

from typing import TYPE_CHECKING, Final

from django.db import models

from moncompte.core.errors import DomainError

if TYPE_CHECKING:
    from moncompte.accounts.models import Account


class AccountState(models.TextChoices):
    PROVISIONAL = "provisional", "code provisoire envoyé"
    CONTACT_PENDING = "contact_pending", "code personnel choisi"
    EMAIL_PENDING = "email_pending", "email à confirmer"
    ACTIVE = "active", "actif"


TRANSITIONS: Final = frozenset(
    {
        (AccountState.PROVISIONAL, AccountState.CONTACT_PENDING),  # personal code chosen
        (AccountState.CONTACT_PENDING, AccountState.EMAIL_PENDING),  # contact details given, link sent
        (AccountState.EMAIL_PENDING, AccountState.ACTIVE),  # link confirmed
        (AccountState.EMAIL_PENDING, AccountState.EMAIL_PENDING),  # link resent or address changed
        (AccountState.EMAIL_PENDING, AccountState.CONTACT_PENDING),  # address forgotten after 21 days
    }
)


class TransitionNotAllowed(DomainError):
    code = "transition_not_allowed"


class ConcurrentChange(DomainError):
    code = "concurrent_change"
    message = "Votre compte vient d'être modifié par ailleurs. Veuillez recommencer."


def transition(account: "Account", *, to: AccountState) -> None:
    from moncompte.accounts.models import Account

    if (account.state, to) not in TRANSITIONS:
        raise TransitionNotAllowed(f"{account.state} → {to}")
    moved = Account.objects.filter(pk=account.pk, state=account.state).update(state=to)
    if moved != 1:
        raise ConcurrentChange()
    account.state = to
