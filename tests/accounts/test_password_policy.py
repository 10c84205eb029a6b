from datetime import date

import pytest

from moncompte.accounts.password_policy import check

# Opens no database: the PostgreSQL pass would run it again unchanged (tests/conftest.py).
pytestmark = pytest.mark.without_database

NIR = "2840588321025"
BIRTH = date(1984, 5, 3)


def rules(password, confirmation=None):
    return [r.rule for r in check(password=password, confirmation=confirmation, nir=NIR, birth_date=BIRTH)]


def messages(password, confirmation=None):
    return " ".join(r.message for r in check(password=password, confirmation=confirmation, nir=NIR, birth_date=BIRTH))


def test_a_good_code_is_accepted():
    assert rules("Vacances-Bretagne-42", "Vacances-Bretagne-42") == []


@pytest.mark.parametrize(("length", "accepted"), [(7, False), (8, True), (50, True), (51, False)])
def test_length_is_8_to_50_characters_R_PW1(length, accepted):
    password = ("Ab3" + "x" * 60)[:length]
    assert ("R-PW1" not in rules(password)) is accepted


def test_the_length_refusal_tells_the_count_R_PW1():
    assert "il en a 5" in messages("Ab3?x")


@pytest.mark.parametrize(
    ("password", "named"), [("Abcdéfg1", "« é »"), ("Abc defg1", "L'espace n'est pas autorisé"), ("Abcdefg1#", "« # »")]
)
def test_a_refused_character_is_named_R_PW2(password, named):
    assert rules(password) == ["R-PW2"]
    assert named in messages(password)


def test_the_21_specials_including_euro_and_pound_are_allowed_R_PW2():
    assert rules("Abcdefgh?!$€£@&(-+_)=*%/<>,.;") == []


@pytest.mark.parametrize(
    ("password", "broken"),
    [("abcdefg1", 1), ("ABCDEFG1", 1), ("Abcdefgh", 1), ("Abcdefg!", 0), ("Abcdefg1", 0), ("abcdefgh", 2)],
)
def test_lower_upper_and_a_digit_or_special_R_PW3(password, broken):
    assert rules(password).count("R-PW3") == broken


@pytest.mark.parametrize(
    ("password", "refused"),
    [
        ("Xx2840588321025", True),
        ("Abc!058832", True),  # 6 consecutive characters of the NIR: 058832
        ("Abc!05883", False),  # only 5
        ("Abc!884058", False),  # not consecutive in the NIR
    ],
)
def test_the_nir_or_six_consecutive_characters_of_it_are_refused_R_PW4(password, refused):
    assert ("R-PW4" in rules(password)) is refused


@pytest.mark.parametrize(
    "part",
    [
        "03051984",
        "19840503",
        "030584",
        "840503",
        "03/05/1984",
        "1984-05-03",
        "03.05.84",
        "84/05/03",
        "051984",
        "0305",
        "1984",
    ],
)
def test_the_birth_date_or_a_part_of_it_is_refused_R_PW5(part):
    assert "R-PW5" in rules(f"Xy!{part}")


def test_other_dates_are_not_the_birth_date_R_PW5():
    assert "R-PW5" not in rules("Xy!1985-06-04")


def test_the_confirmation_must_be_identical_R_PW6():
    assert rules("Vacances-Bretagne-42", "Vacances-bretagne-42") == ["R-PW6"]
    assert "La confirmation ne correspond pas" in messages("Vacances-Bretagne-42", "x")


def test_every_failing_rule_is_reported():
    assert set(rules("a é")) == {"R-PW1", "R-PW2", "R-PW3"}


@pytest.mark.parametrize("common", ["Password1", "Azerty123", "Motdepasse1", "Bonjour1", "Soleil2024!", "Marseille13"])
def test_the_most_common_passwords_are_refused_even_with_digits_added_R_PW10(common):
    refusals = check(password=common, confirmation=common, nir="2840588321025", birth_date=date(1984, 5, 3))
    assert [r.rule for r in refusals] == ["R-PW10"]
    assert "fait partie des codes les plus utilisés" in refusals[0].message


@pytest.mark.parametrize("personal", ["Vacances-Bretagne-42", "k3$Tq!bdZ", "Soleil-sur-la-Loire-7"])
def test_a_personal_code_built_on_a_common_word_is_accepted_R_PW10(personal):
    assert check(password=personal, confirmation=personal, nir="2840588321025", birth_date=date(1984, 5, 3)) == []
