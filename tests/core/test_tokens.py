import pytest

from moncompte.core import tokens

# Opens no database: the PostgreSQL pass would run it again unchanged (tests/conftest.py).
pytestmark = pytest.mark.without_database


@pytest.mark.parametrize("_", range(200))
def test_provisional_code_has_10_unambiguous_characters_of_each_kind_R_CODE1(_):
    code = tokens.provisional_code()
    assert len(code) == 10
    assert set(code) <= set(tokens.UPPER + tokens.LOWER + tokens.DIGITS)
    assert not set(code) & set("0O1lIio")
    assert any(c.isupper() for c in code)
    assert any(c.islower() for c in code)
    assert any(c.isdigit() for c in code)


def test_codes_are_not_repeated_R_CODE1():
    assert len({tokens.provisional_code() for _ in range(1000)}) == 1000


def test_a_digest_matches_only_its_secret_and_purpose():
    stored = tokens.digest(purpose="provisional_code", value="1:Ab3dEf7hJk")
    assert tokens.matches(purpose="provisional_code", stored_digest=stored, typed="1:Ab3dEf7hJk")
    assert not tokens.matches(purpose="provisional_code", stored_digest=stored, typed="1:Ab3dEf7hJK")
    assert not tokens.matches(purpose="other", stored_digest=stored, typed="1:Ab3dEf7hJk")
    assert "Ab3dEf7hJk" not in stored


def test_link_token_has_256_bits_R_EM3():
    assert len(tokens.link_token()) == 43


def test_a_checked_link_token_is_known_as_sent_until_cut_or_mistyped_R_EM3():
    token = tokens.checked_link_token(purpose="email_link")
    assert len(token) == 43 + tokens.LINK_CHECK_LENGTH
    assert tokens.link_token_sent(purpose="email_link", token=token)
    assert not tokens.link_token_sent(purpose="other", token=token)
    assert not tokens.link_token_sent(purpose="email_link", token=token[:-1])
    assert not tokens.link_token_sent(purpose="email_link", token=token[1:])
    assert not tokens.link_token_sent(purpose="email_link", token=("A" if token[0] != "A" else "B") + token[1:])
    assert not tokens.link_token_sent(purpose="email_link", token="")


@pytest.mark.parametrize(
    ("address", "masked"),
    [("vincent@nowhere.fr", "v•••••t@nowhere.fr"), ("ab@x.fr", "a•@x.fr"), ("a@x.fr", "a•@x.fr")],
)
def test_emails_are_masked_but_recognisable(address, masked):
    assert tokens.mask_email(address) == masked
