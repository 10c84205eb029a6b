"""The journey's refusals say what happened and what to do next, in full (R-CODE, R-EM9, R-PW1..6)."""

from datetime import timedelta

import pytest

from moncompte.accounts.password_policy import Refusal
from moncompte.enrollment.errors import CodeExpired, LinkResendLimited, PasswordRefused

# Opens no database: the PostgreSQL pass would run it again unchanged (tests/conftest.py).
pytestmark = pytest.mark.without_database


def test_an_expired_code_says_how_long_a_code_lasts_and_to_ask_for_a_new_one():
    assert CodeExpired().message == (
        "Votre code provisoire a expiré : il n'est valable que 30 minutes. Demandez un nouveau code provisoire."
    )


def test_the_daily_limit_of_links_says_when_a_new_one_can_be_asked_R_EM9():
    limited = LinkResendLimited(retry_after=timedelta(hours=3), daily=True)
    assert limited.retry_after == timedelta(hours=3)
    assert limited.message == (
        "Vous avez déjà demandé plusieurs liens aujourd'hui. Pour éviter les envois en trop, vous pourrez en "
        "demander un nouveau dans 3 heures. Pensez à vérifier vos courriels indésirables."
    )


def test_a_refused_personal_code_puts_each_rule_next_to_its_field_R_PW6():
    refused = PasswordRefused(
        [
            Refusal("R-PW1", "Le code doit contenir au moins 8 caractères.", "length"),
            Refusal("R-PW6", "Pas la même.", "confirmation"),
        ]
    )
    assert [r.rule for r in refused.refusals] == ["R-PW1", "R-PW6"]
    assert [(e.field, e.message) for e in refused.errors] == [
        ("password", "Le code doit contenir au moins 8 caractères."),
        ("confirmation", "Pas la même."),
    ]
    assert (refused.code, refused.field, refused.message) == (
        "password_refused",
        "password",
        "Le code doit contenir au moins 8 caractères.",
    )
