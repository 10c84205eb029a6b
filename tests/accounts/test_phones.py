import pytest

from moncompte.accounts import phones

# Opens no database: the PostgreSQL pass would run it again unchanged (tests/conftest.py).
pytestmark = pytest.mark.without_database


@pytest.mark.parametrize("typed", ["06.50.56.42.78", "06 50 56 42 78", "+33 6 50 56 42 78", "0650564278"])
def test_french_mobile_formats_are_stored_e164_and_shown_french_R_CT3(typed):
    stored = phones.parse_mobile(typed)
    assert stored == "+33650564278"
    assert phones.display(stored) == "06 50 56 42 78"


@pytest.mark.parametrize(("typed", "stored"), [("0690 12 34 56", "+590690123456"), ("0692 12 34 56", "+262692123456")])
def test_overseas_mobiles_are_accepted_R_CT3(typed, stored):
    assert phones.parse_mobile(typed) == stored


@pytest.mark.parametrize("typed", ["01.45.37.59.45", "0590 12 34 56", "0262 12 34 56", "09 72 34 56 78"])
def test_landlines_including_overseas_and_box_numbers_R_CT3(typed):
    assert phones.parse_landline(typed).startswith("+")


def test_a_mobile_must_be_a_mobile_and_a_landline_a_landline_R_CT3():
    with pytest.raises(phones.PhoneInvalid, match="portable"):
        phones.parse_mobile("01 45 37 59 45")
    with pytest.raises(phones.PhoneInvalid, match="fixe"):
        phones.parse_landline("06 50 56 42 78")


@pytest.mark.parametrize("typed", ["06 50", "abc", "+33 6 50"])
def test_nonsense_is_refused_with_an_example_R_CT3(typed):
    with pytest.raises(phones.PhoneInvalid, match="exemple"):
        phones.parse_mobile(typed)
