"""One rule, one place (R-API1): each input of each step read by the domain's entry, the same for the web's forms
and the app's API; tests/api/test_parity.py sends the same bad inputs through both."""

from datetime import date

import pytest

from moncompte.accounts import inputs
from moncompte.accounts.consents import ConsentAnswerInvalid, consent_answer_parse
from moncompte.accounts.emails import EmailsDiffer, email_pair_check
from moncompte.accounts.models import ConsentChannel
from moncompte.core.errors import DomainError, InputsRefused
from moncompte.registry.nir import Nir
from moncompte.registry.postal_code import PostalCodeInvalid, postal_code_parse


def refusal(entry: inputs.Entry, raw: object) -> tuple[str, str | None, str]:
    with pytest.raises(DomainError) as refused:
        inputs.entry_read(entry, raw)
    return refused.value.code, refused.value.field, refused.value.message


def test_a_null_character_then_the_length_then_the_empty_input_then_the_rule():
    assert refusal(inputs.POSTAL_CODE, "x" * 11 + "\x00")[0] == "null_character"
    assert refusal(inputs.POSTAL_CODE, "x" * 11) == (
        "too_long",
        "postal_code",
        "Ce champ comporte au plus 10 caractères : Code postal.",
    )
    assert refusal(inputs.POSTAL_CODE, "  ") == ("required", "postal_code", "Ce champ est obligatoire : Code postal.")
    assert refusal(inputs.POSTAL_CODE, "8810")[:2] == ("postal_code_invalid", "postal_code")


def test_the_length_is_counted_once_the_spaces_around_are_gone_as_a_form_counts_it():
    assert inputs.entry_read(inputs.POSTAL_CODE, "   88100    ") == "88100"


def test_an_input_with_its_own_words_for_too_long_says_them_R_NIR1():
    code, _, message = refusal(inputs.NIR, "2" * 26)
    assert (code, message) == ("too_long", inputs.NIR.too_long)


def test_a_refusal_names_the_input_it_was_typed_in():
    """The same phone rule on the mobile and the landline: each refusal on its own field (R-CT3)."""
    assert refusal(inputs.MOBILE, "06 12")[:2] == ("phone_invalid", "mobile")
    assert refusal(inputs.LANDLINE, "06 12")[:2] == ("phone_invalid", "landline")


def test_an_optional_input_left_empty_is_not_read():
    assert inputs.entry_read(inputs.MOBILE, " ") == ""
    assert inputs.entry_read(inputs.CONSENT_MOBILE_SMS, "") is None


def test_a_personal_code_keeps_its_spaces_so_its_rules_can_name_them_R_PW2():
    assert inputs.entry_read(inputs.PASSWORD, "   ") == "   "


def test_a_step_reads_every_input_then_compares_those_that_were_read():
    typed = {"nir": "2850588321025", "birth_date": "03/05/1984", "postal_code": "881", "email": "c@example.fr"}
    with pytest.raises(InputsRefused) as refused:
        inputs.inputs_read(inputs.IDENTITY, typed)
    # the postal code on its field, then R-NIR5 (both inputs read); the CAPTCHA's answer is the CAPTCHA's to refuse
    assert [(error.code, error.field) for error in refused.value.errors] == [
        ("postal_code_invalid", "postal_code"),
        ("nir_birth_mismatch", "nir"),
    ]
    assert (refused.value.code, refused.value.field) == ("postal_code_invalid", "postal_code")


def test_a_comparison_waits_for_both_inputs_to_be_right():
    typed = {"nir": "2850588321025", "birth_date": "31/02/1984", "postal_code": "88100", "email": "c@example.fr"}
    with pytest.raises(InputsRefused) as refused:
        inputs.inputs_read(inputs.IDENTITY, typed)
    assert [error.code for error in refused.value.errors] == ["birth_date_nonexistent"]


def test_a_step_read_gives_the_values_the_use_cases_take():
    typed = {"nir": "2 84 05 88 321 025 32", "birth_date": "1984-05-03", "postal_code": "88 100", "email": "c@ex.fr"}
    values = inputs.inputs_read(inputs.IDENTITY, typed)
    assert values == {
        "nir": Nir("2840588321025"),
        "birth_date": date(1984, 5, 3),
        "postal_code": "88100",
        "email": "c@ex.fr",
        "captcha_answer": "",
    }


@pytest.mark.parametrize(("typed", "kept"), [("75011", "75011"), ("75 011", "75011"), (" 2A004", None)])
def test_a_postal_code_is_five_ascii_digits_spaces_ignored_R_ID1(typed, kept):
    if kept is None:
        with pytest.raises(PostalCodeInvalid):
            postal_code_parse(typed)
    else:
        assert postal_code_parse(typed) == kept


def test_digits_of_other_scripts_are_no_postal_code_R_ID1():
    with pytest.raises(PostalCodeInvalid):
        postal_code_parse("８８１００")


def test_the_confirmation_is_compared_as_the_relay_gets_it_letter_case_aside_R_CT1():
    email_pair_check("camille@exemple.fr", " Camille@Exemple.FR ")
    email_pair_check("camille@xn--exempl-gva.fr", "camille@exemplé.fr")
    with pytest.raises(EmailsDiffer) as refused:
        email_pair_check("camille@exemple.fr", "camille@")
    assert refused.value.field == "email_confirmation"


@pytest.mark.parametrize(
    ("answer", "read"), [("oui", True), ("non", False), (True, True), (False, False), (None, None)]
)
def test_a_consent_is_answered_in_the_pages_words_or_the_apps_booleans_R_CT4(answer, read):
    assert consent_answer_parse(answer) is read


@pytest.mark.parametrize("answer", ["peut-être", 1, "True"])
def test_anything_else_is_no_answer_R_CT4(answer):
    with pytest.raises(ConsentAnswerInvalid):
        consent_answer_parse(answer)


def contact(**typed: object) -> dict[str, object]:
    return {"email": "c@example.fr", "email_confirmation": "c@example.fr", **typed}


def refused_fields(typed: dict[str, object]) -> list[str | None]:
    with pytest.raises(InputsRefused) as refused:
        inputs.inputs_read(inputs.CONTACT, typed)
    return [error.field for error in refused.value.errors]


def test_the_email_question_is_always_asked_and_a_numbers_only_with_it_R_CT4():
    assert refused_fields(contact()) == ["consent_email"]
    assert refused_fields(contact(consent_email="non", mobile="06 50 56 42 78")) == [
        "consent_mobile_call",
        "consent_mobile_sms",
    ]
    assert refused_fields(contact(consent_email=False, landline="01 45 37 59 45")) == ["consent_landline_call"]
    values = inputs.inputs_read(inputs.CONTACT, contact(consent_email=True, mobile="", consent_mobile_sms=None))
    assert inputs.consents_given(values) == {channel: channel.value == "email" for channel in ConsentChannel}


def test_a_refused_number_asks_nothing_more_until_it_is_right_R_CT4():
    assert refused_fields(contact(consent_email="oui", mobile="01 45 37 59 45")) == ["mobile"]
