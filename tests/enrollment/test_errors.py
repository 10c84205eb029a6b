"""The journey's refusals say what happened and what to do next, in full (R-CODE, R-EM9, R-PW1..6)."""

from dataclasses import replace
from datetime import timedelta

import pytest

from moncompte.accounts.password_policy import Refusal
from moncompte.enrollment.errors import (
    CodeExpired,
    CodeSendsLimited,
    IdentityNotMatched,
    IdentityTriesLimited,
    LinkExpired,
    LinkForgotten,
    LinkResendLimited,
    PasswordRefused,
)

# Opens no database: the PostgreSQL pass would run it again unchanged (tests/conftest.py).
pytestmark = pytest.mark.without_database
CHECKS = (
    "vérifiez votre numéro de sécurité sociale (il figure sur votre carte Vitale et sur votre attestation de "
    "droits), votre date de naissance, et le code postal de l'adresse que connaît votre caisse d'Assurance "
    "Maladie (si vous avez déménagé sans le lui signaler, essayez celui de votre ancienne adresse). Si cela ne "
    "suffit pas, contactez votre caisse au 36 46."
)


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


def test_an_identity_not_recognised_says_what_to_check_where_and_whom_to_call_R_ID1():
    said = IdentityNotMatched().message
    assert said == f"Les informations saisies ne permettent pas de vous identifier. V{CHECKS[1:]}"


def test_the_caisse_s_number_follows_its_setting(settings):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, caisse_phone="01 23 45 67 89")
    assert IdentityNotMatched().message.endswith("contactez votre caisse au 01 23 45 67 89.")


def test_too_many_identities_not_recognised_says_the_wait_then_what_to_check_meanwhile_R_ID2_R_LIM4():
    said = IdentityTriesLimited(timedelta(minutes=50)).message
    assert said == (
        "Trop de tentatives. Pour votre sécurité, veuillez patienter 50 minutes avant de réessayer. "
        f"En attendant, {CHECKS}"
    )
    assert IdentityTriesLimited.code == "too_many_attempts"  # the API's code, unchanged


def test_codes_already_sent_are_looked_for_in_the_mailbox_before_waiting_for_another_R_LIM8():
    assert CodeSendsLimited(timedelta(minutes=20)).message == (
        "Trop de tentatives. Pour votre sécurité, veuillez patienter 20 minutes avant de réessayer. Des codes "
        "provisoires ont déjà été envoyés : chacun reste valable 30 minutes. Cherchez le courriel « Votre compte "
        "ameli - Votre code provisoire » dans votre messagerie, y compris dans les courriels indésirables, puis "
        "connectez-vous avec votre numéro de sécurité sociale et ce code."
    )


def test_an_expired_link_says_how_long_a_link_lasts_and_that_it_can_be_sent_again_R_EM6():
    assert LinkExpired().message == (
        "Ce lien n'est plus actif : le lien de confirmation est valable 7 jours. Vous pouvez vous le faire renvoyer, "
        "à la même adresse ou à une adresse différente."
    )


def test_a_forgotten_link_says_the_address_was_forgotten_and_how_to_give_one_again_R_EM7():
    assert LinkForgotten().message == (
        "Ce lien n'est plus valable : une adresse email non confirmée dans les 21 jours n'est plus mémorisée. "
        "Connectez-vous avec votre numéro de sécurité sociale et votre code personnel : il vous sera demandé une "
        "adresse email valide, et un nouveau lien vous sera envoyé."
    )
