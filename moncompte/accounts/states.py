"""The account state machine (docs/architecture.md): events move an account from one state to the next.

One table says, for each (state, event), the state that follows; a pair missing from it is refused. The
table owns the guards and the cases that leave the state as it is (a code reset, a link sent again).
states.mmd draws the same table, arrows labelled with the events; a test compares them.
"""

from collections.abc import Mapping
from typing import Final

from django.db import models

from moncompte.core.errors import DomainError


class AccountState(models.TextChoices):
    PROVISIONAL = "provisional", "code provisoire envoyé"
    CONTACT_PENDING = "contact_pending", "code personnel choisi"
    EMAIL_PENDING = "email_pending", "email à confirmer"
    ACTIVE = "active", "actif"


class AccountEvent(models.TextChoices):
    IDENTITY_PROVEN = "identity_proven", "identité vérifiée, code provisoire envoyé"
    PERSONAL_CODE_SET = "personal_code_set", "code personnel choisi ou remplacé"
    CONTACT_GIVEN = "contact_given", "coordonnées saisies, lien envoyé"
    ADDRESS_GIVEN = "address_given", "nouvelle adresse saisie, lien envoyé"
    LINK_RESENT = "link_resent", "lien renvoyé à la même adresse"
    LINK_CONFIRMED = "link_confirmed", "lien confirmé"
    ADDRESS_FORGOTTEN = "address_forgotten", "adresse non confirmée oubliée après 21 jours"
    # R-BOT2: an account created by someone else, given back by two supervisors after an identity check.
    ENROLLMENT_RESTARTED = "enrollment_restarted", "création reprise à l'étape d'identité (guichet, quatre yeux)"


_S, _E = AccountState, AccountEvent

# An account is created by the identity step, already in its first state.
INITIAL: Final = (_E.IDENTITY_PROVEN, _S.PROVISIONAL)

TRANSITIONS: Final[Mapping[tuple[AccountState, AccountEvent], AccountState]] = {
    (_S.PROVISIONAL, _E.IDENTITY_PROVEN): _S.PROVISIONAL,  # a new provisional code replaces the old
    (_S.PROVISIONAL, _E.PERSONAL_CODE_SET): _S.CONTACT_PENDING,
    (_S.CONTACT_PENDING, _E.PERSONAL_CODE_SET): _S.CONTACT_PENDING,  # reset after "Code oublié ?"
    (_S.EMAIL_PENDING, _E.PERSONAL_CODE_SET): _S.EMAIL_PENDING,
    (_S.ACTIVE, _E.PERSONAL_CODE_SET): _S.ACTIVE,
    (_S.CONTACT_PENDING, _E.CONTACT_GIVEN): _S.EMAIL_PENDING,
    (_S.CONTACT_PENDING, _E.ADDRESS_GIVEN): _S.EMAIL_PENDING,  # a new address after the old was forgotten
    (_S.EMAIL_PENDING, _E.ADDRESS_GIVEN): _S.EMAIL_PENDING,
    (_S.ACTIVE, _E.ADDRESS_GIVEN): _S.ACTIVE,  # a change of address: the confirmed one serves until then
    (_S.EMAIL_PENDING, _E.LINK_RESENT): _S.EMAIL_PENDING,
    (_S.ACTIVE, _E.LINK_RESENT): _S.ACTIVE,
    (_S.EMAIL_PENDING, _E.LINK_CONFIRMED): _S.ACTIVE,
    (_S.ACTIVE, _E.LINK_CONFIRMED): _S.ACTIVE,  # the new address replaces the old
    (_S.PROVISIONAL, _E.ADDRESS_FORGOTTEN): _S.PROVISIONAL,  # forgetting an address never blocks: only a
    (_S.CONTACT_PENDING, _E.ADDRESS_FORGOTTEN): _S.CONTACT_PENDING,  # pending link step goes back
    (_S.EMAIL_PENDING, _E.ADDRESS_FORGOTTEN): _S.CONTACT_PENDING,
    (_S.ACTIVE, _E.ADDRESS_FORGOTTEN): _S.ACTIVE,  # a new address never confirmed; the old one stays
    # R-BOT2: from any state, back to where the identity step (and only it) goes on; the one way out of active.
    (_S.PROVISIONAL, _E.ENROLLMENT_RESTARTED): _S.PROVISIONAL,
    (_S.CONTACT_PENDING, _E.ENROLLMENT_RESTARTED): _S.PROVISIONAL,
    (_S.EMAIL_PENDING, _E.ENROLLMENT_RESTARTED): _S.PROVISIONAL,
    (_S.ACTIVE, _E.ENROLLMENT_RESTARTED): _S.PROVISIONAL,
}


class TransitionNotAllowed(DomainError):
    code = "transition_not_allowed"
    message = (
        "Cette étape a déjà été faite, peut-être dans une autre fenêtre. Connectez-vous de nouveau pour reprendre "
        "là où en est votre compte."
    )

    def __init__(self, state: AccountState, event: AccountEvent) -> None:
        self.state, self.event = state, event
        super().__init__()


class ConcurrentChange(DomainError):
    code = "concurrent_change"
    message = "Votre compte vient d'être modifié par ailleurs. Veuillez recommencer."


def next_state(state: str, event: AccountEvent) -> AccountState:
    """The state `event` leads to from `state`; TransitionNotAllowed when the table has no such arrow."""
    try:
        return TRANSITIONS[(AccountState(state), event)]
    except KeyError:
        raise TransitionNotAllowed(AccountState(state), event) from None


def accepts(state: str, event: AccountEvent) -> bool:
    return (AccountState(state), event) in TRANSITIONS
