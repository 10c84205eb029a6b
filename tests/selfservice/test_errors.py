"""A refused sign-in says what to do next (issue 23), in the same words whether or not the NIR has an account
(R-LIM4), and offers « Code oublié ? » rather than the first visit again."""

from datetime import timedelta

import pytest

from moncompte.core.errors import Offer
from moncompte.selfservice.errors import CurrentCodeBlocked, SignInBlocked, SignInRejected

# Opens no database: the PostgreSQL pass would run it again unchanged (tests/conftest.py).
pytestmark = pytest.mark.without_database


def test_a_wrong_code_says_what_to_check_and_points_to_code_oublie_R_LIM4():
    said = SignInRejected().message
    assert said.startswith("Le numéro de sécurité sociale ou le code saisi est incorrect. Vérifiez votre numéro")
    for next_step in (
        "carte Vitale",
        "majuscules et les minuscules",
        "code provisoire reçu par email",
        "« Code oublié ? »",
    ):
        assert next_step in said
    assert SignInRejected.offer is Offer.CODE_FORGOT


def test_a_suspended_sign_in_says_the_wait_code_oublie_and_the_caisse_and_offers_no_new_creation_R_PW9():
    blocked = SignInBlocked(timedelta(minutes=4))
    assert blocked.message == (
        "Trop d'essais infructueux : pour protéger votre compte, la connexion est suspendue pendant 4 minutes "
        "depuis cette connexion internet. Si vous avez oublié votre code, utilisez « Code oublié ? » : le code "
        "provisoire reçu par email servira ici une fois ce délai passé, ou aussitôt depuis une autre connexion "
        "(le réseau mobile de votre téléphone, par exemple). Si rien ne fonctionne, contactez votre caisse "
        "d'Assurance Maladie au 36 46."
    )
    assert blocked.offer is Offer.CODE_FORGOT
    assert (blocked.code, blocked.field, blocked.retry_after) == ("sign_in_blocked", "code", timedelta(minutes=4))


def test_the_account_page_s_suspended_check_says_to_wait_or_sign_out_for_code_oublie_R_LIM5():
    blocked = CurrentCodeBlocked(timedelta(minutes=2))
    assert blocked.message == (
        "Trop d'essais infructueux : pour protéger votre compte, votre code personnel ne peut pas être vérifié "
        "pendant 2 minutes. Réessayez ensuite ; si vous l'avez oublié, déconnectez-vous puis utilisez « Code "
        "oublié ? » sur la page de connexion pour recevoir un code provisoire."
    )
    assert (blocked.code, blocked.field, blocked.offer) == ("sign_in_blocked", "current_password", None)
    assert isinstance(blocked, SignInBlocked)  # the API's refusal, unchanged
