"""Issue 23, point 10: what the desk says to the staff member once an action is done, and what to tell the person
(the desk passes the action's own name, `action.__name__`, as these tests do); a refusal of the domain in the
staff member's words."""

from datetime import timedelta

import pytest

from moncompte.accounts.states import AccountEvent, AccountState, ConcurrentChange, TransitionNotAllowed
from moncompte.enrollment.errors import LinkResendImpossible, LinkResendLimited
from moncompte.support.action_said import done_said
from moncompte.support.actions import (
    address_change_for,
    address_erase,
    agent_create,
    for_staff,
    link_resend_for,
    links_void,
    throttles_lift,
)
from tests.helpers import NOW

TOLD = (
    "valable jusqu'au 09/03/2026 à 10:00. À dire : le courriel « Votre compte ameli - Confirmation de votre adresse "
    "mail » arrive en général en quelques minutes ; seul ce dernier lien fonctionne, les précédents non."
)


def test_a_link_resent_is_said_with_its_address_its_end_and_what_to_tell_the_person():
    said = done_said(link_resend_for.__name__, "c•••e@example.fr", now=NOW)
    assert said == f"Lien renvoyé à c•••e@example.fr, {TOLD}"


def test_an_address_changed_is_said_as_a_change_with_the_link_sent_to_it():
    said = done_said(address_change_for.__name__, "a•••e@example.fr", now=NOW)
    assert said == f"Adresse changée : lien envoyé à a•••e@example.fr, {TOLD}"


def test_limits_lifted_are_said_with_how_many_network_addresses():
    assert done_said(throttles_lift.__name__, 2, now=NOW) == (
        "Limites d'essais levées pour la personne et les 2 adresse(s) réseau d'où elle a essayé dans la dernière "
        "journée. À dire : elle peut réessayer dès maintenant."
    )


def test_links_voided_are_said_with_how_many():
    assert done_said(links_void.__name__, 3, now=NOW) == (
        "3 lien(s) non utilisé(s) annulé(s) : aucun lien déjà envoyé ne fonctionne plus ; un renvoi en enverra un "
        "nouveau."
    )


def test_an_address_erased_is_said_with_what_the_person_does_next():
    assert done_said(address_erase.__name__, None, now=NOW) == (
        "Adresse non confirmée effacée, avec ses liens. À dire : à sa prochaine connexion, avec son numéro de "
        "sécurité sociale et son code personnel, la personne saisit une adresse email : un lien y part."
    )


def test_another_action_is_said_done_and_written_to_the_journal():
    assert done_said(agent_create.__name__, None, now=NOW) == "C'est fait : l'action est écrite au journal."


CHANGED = (
    "Rien n'a été fait : le compte vient de changer (la personne l'utilise peut-être en ce moment). Rechargez la fiche "
    "pour voir où il en est."
)


@pytest.mark.parametrize(
    ("refused", "said"),
    [
        (
            LinkResendImpossible(),
            "Renvoi impossible : aucune adresse de ce compte n'attend de confirmation (l'adresse est déjà confirmée, "
            "ou elle a été oubliée après 21 jours ou effacée). Pour une nouvelle adresse, la personne se connecte "
            "avec son numéro de sécurité sociale et son code personnel (ou « Code oublié ? ») et la saisit : un lien y "
            "part.",
        ),
        (
            LinkResendLimited(retry_after=timedelta(minutes=30), daily=True),
            "Aucun lien n'est parti : plusieurs liens sont déjà partis aujourd'hui pour ce compte (limite des "
            "renvois). Un nouveau pourra partir dans 30 minutes ; d'ici là, faites chercher le dernier courriel, "
            "courriels indésirables compris.",
        ),
        (
            LinkResendLimited(retry_after=timedelta(seconds=40), daily=False),
            "Aucun lien n'est parti : le précédent est parti il y a moins d'une minute (limite des renvois). Un "
            "nouveau pourra partir dans 1 minute ; d'ici là, faites chercher le dernier courriel, courriels "
            "indésirables compris.",
        ),
        (ConcurrentChange(), CHANGED),
        (TransitionNotAllowed(AccountState.ACTIVE, AccountEvent.ADDRESS_FORGOTTEN), CHANGED),
    ],
    ids=["nothing to resend", "daily limit", "within the minute", "changed meanwhile", "step already taken"],
)
def test_a_refusal_of_the_domain_is_said_to_the_staff_member_with_its_own_code(refused, said):
    """Issue 23, point 10: the person's words (« Connectez-vous… », « Vous avez déjà demandé… ») said for the agent."""
    reworded = for_staff(refused)
    assert (reworded.code, reworded.message) == (refused.code, said)
