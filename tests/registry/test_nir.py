import re
from datetime import date

import pytest

from moncompte.registry import nir as nir_rules

# Opens no database: the PostgreSQL pass would run it again unchanged (tests/conftest.py).
pytestmark = pytest.mark.without_database


@pytest.mark.parametrize(("nir13", "key"), [("2840588321025", "32"), ("284052A321025", "52"), ("284052B321025", "79")])
def test_key_is_97_minus_n_mod_97_with_corsica_R_NIR3(nir13, key):
    assert nir_rules.parse(nir13).key == key
    assert nir_rules.parse(nir13 + key).value == nir13


@pytest.mark.parametrize("nir15", ["284058832102533", "284052A321025 53"])
def test_a_wrong_key_is_refused_and_the_person_told_where_to_read_the_number_R_NIR3(nir15):
    with pytest.raises(nir_rules.NirInvalid, match="clé") as refused:
        nir_rules.parse(nir15)
    assert refused.value.message.endswith(
        "vérifiez votre saisie avec votre carte Vitale ou votre attestation de droits."
    )


def test_a_nir_that_contradicts_the_birth_date_says_where_to_check_both_R_NIR5():
    with pytest.raises(nir_rules.NirBirthMismatch) as refused:
        nir_rules.check_birth_date(nir_rules.parse("2840588321025"), date(1985, 5, 3))
    assert "Vérifiez les deux champs : le numéro figure sur votre carte Vitale" in refused.value.message


@pytest.mark.parametrize(
    "typed", ["2 84 05 88 321 025 32", "2.84.05.88.321.025.32", " 2840588321025 ", "284052a321025"]
)
def test_spaces_and_dots_are_stripped_and_letters_upper_cased_R_NIR1(typed):
    assert nir_rules.parse(typed).value[:5] == "28405"


@pytest.mark.parametrize(("typed", "length"), [("28405883210", 11), ("28405883210253", 14), ("2840588321025321", 16)])
def test_only_13_or_15_characters_are_accepted_and_the_count_is_told_R_NIR1(typed, length):
    with pytest.raises(nir_rules.NirInvalid, match=f"vous en avez saisi {length}"):
        nir_rules.parse(typed)


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("3840588321025", "premier chiffre"),
        ("2841388321025", "mois"),
        ("2840500321025", None),
        ("284052C321025", "département"),
        ("28405883X1025", "que des chiffres"),
        ("2840588321025#", "« # »"),
    ],
)
def test_structure_is_checked_with_the_reason_R_NIR2(typed, reason):
    if reason is None:  # département 00 is structurally fine: two digits
        assert nir_rules.parse(typed).value == typed
        return
    with pytest.raises(nir_rules.NirInvalid, match=reason):
        nir_rules.parse(typed)


@pytest.mark.parametrize("month", ["20", "42", "99"])
def test_unknown_birth_month_20_to_99_is_accepted_R_NIR2(month):
    assert nir_rules.parse(f"184{month}75056048").month is None


@pytest.mark.parametrize("first", ["5", "6", "7", "8"])
def test_temporary_numbers_get_their_own_message_R_NIR4(first):
    with pytest.raises(nir_rules.NirTemporary, match="numéro provisoire"):
        nir_rules.parse(first + "840588321025")


@pytest.mark.parametrize(
    ("birth", "consistent"),
    [
        (date(1984, 5, 3), True),
        (date(1985, 5, 3), False),
        (date(1984, 6, 3), False),
        (date(1884, 5, 3), True),
    ],
)
def test_nir_year_and_month_must_match_the_birth_date_R_NIR5(birth, consistent):
    nir = nir_rules.parse("2840588321025")
    if consistent:
        nir_rules.check_birth_date(nir, birth)
    else:
        with pytest.raises(nir_rules.NirBirthMismatch):
            nir_rules.check_birth_date(nir, birth)


def test_unknown_month_only_checks_the_year_R_NIR5():
    nir = nir_rules.parse("1623099350117")
    nir_rules.check_birth_date(nir, date(1962, 11, 1))
    with pytest.raises(nir_rules.NirBirthMismatch):
        nir_rules.check_birth_date(nir, date(1963, 1, 1))


def test_display_groups_like_the_vitale_card():
    assert nir_rules.display(nir_rules.parse("2840588321025")) == "2 84 05 88 321 025 32"


@pytest.mark.parametrize(
    "typed",
    [
        "284058832102532", "2840588321025", "284052A321025", "1850575056048", "2849588321025", "2842088321025",
        "284058832102599", "284138832102532", "284008832102532", "584058832102532", "284058832102",
        "2 84 05 88 321 025 32", "284052a321025", "28405883210253", "2840588321025 ",
    ],
)  # fmt: skip
def test_the_fast_path_for_well_formed_numbers_answers_as_the_full_rules_do(typed):
    """R-NIR1..4: a number written the usual way skips normalising; the answer must not change."""

    def answer(parse):
        try:
            return parse(typed)
        except nir_rules.NirInvalid as error:
            return (type(error).__name__, error.message)

    def full_rules(raw):
        original = nir_rules.WELL_FORMED
        nir_rules.WELL_FORMED = re.compile(r"(?!)")  # matches nothing: every number takes the full rules
        try:
            return nir_rules.parse(raw)
        finally:
            nir_rules.WELL_FORMED = original

    assert answer(nir_rules.parse) == answer(full_rules)


TODAY = date(2026, 12, 7)


NONEXISTENT = ["31/02/1985", "29/02/1985", "31/04/1985", "00/05/1984", "03/13/1984", "31021985", "1985-02-31"]


@pytest.mark.parametrize("typed", [*NONEXISTENT, "3.13.1984"])
def test_a_well_written_date_that_does_not_exist_is_said_not_to_exist_R_NIR5(typed):
    with pytest.raises(nir_rules.BirthDateNonexistent) as refused:
        nir_rules.birth_date_parse(typed, today=TODAY)
    assert refused.value.message == "Cette date n'existe pas : vérifiez le jour et le mois."
    assert refused.value.field == "birth_date"


@pytest.mark.parametrize("typed", ["le 3 mai 1984", "3/5/84", "1984", "19840503", "03/05-1984", "03/05/1984/"])
def test_a_date_not_in_a_known_format_asks_for_the_format_R_NIR5(typed):
    with pytest.raises(nir_rules.BirthDateInvalid) as refused:
        nir_rules.birth_date_parse(typed, today=TODAY)
    assert refused.value.code == "birth_date_invalid"


@pytest.mark.parametrize("typed", ["29/02/1984", "03/05/1984", "3/5/1984", "03051984", "1984-05-03", "03 05 1984"])
def test_existing_dates_are_read_in_every_known_format(typed):
    assert nir_rules.birth_date_parse(typed, today=TODAY).year == 1984
