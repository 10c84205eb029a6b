"""R-API3, R-A11Y6: a JSON string that is no text (a lone surrogate, "\\ud800") in a typed input is refused as
unreadable, with its field (400), on every operation; never a server error (a fresh attacker's finding). The
members that are no typed input (device, refresh token, CAPTCHA's id, key and work) are refused as malformed."""

import pytest

from tests import factories
from tests.api.test_sessions import NIR, call
from tests.factories import PERSONAL_CODE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("traveller")]
LONE = "\ud800"
CAPTCHA = {"captcha_id": "x", "captcha_key": "y"}
PERSON = {"nir": NIR, "birth_date": "03/05/1984"}


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/sessions", {"nir": NIR, "code": LONE, "device_name": "Pixel"}, "code"),
        ("/code-forgot", {**PERSON, **CAPTCHA, "captcha_answer": LONE}, "captcha_answer"),
        (
            "/enrollment/identity",
            {**PERSON, "postal_code": "88100", "email": "c@example.fr", **CAPTCHA, "captcha_answer": LONE},
            "captcha_answer",
        ),
    ],
)
def test_a_lone_surrogate_is_refused_with_its_field_R_API3(code_sent, path, body, field):
    status, problem, _ = call("post", path, **body)
    assert status == 400
    assert [(error["code"], error["field"]) for error in problem["errors"]] == [("null_character", field)]
    assert "caractère qui n'est pas accepté" in problem["errors"][0]["detail"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (
            "/account/personal-code",
            {"current_password": LONE, "password": "Xy-12345678", "confirmation": "Xy-12345678"},
        ),
        ("/account/email", {"email": "n@example.fr", "email_confirmation": "n@example.fr", "current_password": LONE}),
    ],
)
def test_signed_in_operations_refuse_it_too_R_API3(code_sent, now, path, body):
    factories.active(code_sent, now)
    _, tokens, _ = call("post", "/sessions", nir=NIR, code=PERSONAL_CODE, device_name="iPhone")
    status, problem, _ = call("post", path, tokens["access_token"], **body)
    assert status == 400
    assert [(error["code"], error["field"]) for error in problem["errors"]] == [("null_character", "current_password")]


SIGN_IN = {"nir": NIR, "code": PERSONAL_CODE}
FORGOT = {**PERSON, **CAPTCHA, "captcha_answer": "abc"}


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/sessions", {**SIGN_IN, "device_name": LONE}, "device_name"),
        ("/sessions", {**SIGN_IN, "device_token": LONE}, "device_token"),
        ("/sessions/refresh", {"refresh_token": LONE}, "refresh_token"),
        ("/code-forgot", {**FORGOT, "device_token": LONE}, "device_token"),
        ("/code-forgot", {**FORGOT, "captcha_id": LONE}, "captcha_id"),
        ("/code-forgot", {**FORGOT, "captcha_key": LONE}, "captcha_key"),
        ("/code-forgot", {**FORGOT, "captcha_work": LONE}, "captcha_work"),
    ],
)
def test_the_members_that_are_no_typed_input_refuse_it_as_malformed_R_API3(code_sent, now, path, body, field):
    factories.active(code_sent, now)  # the sign-in would succeed: only the member stops it
    status, problem, _ = call("post", path, **body)
    assert (status, problem["code"], problem["field"]) == (400, "invalid_input", field)
