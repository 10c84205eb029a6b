"""R-API3, R-A11Y6: a JSON string that is no text (a lone surrogate, "\\ud800") in a typed input is refused as
unreadable, with its field (400), on every operation; never a server error (a fresh attacker's finding)."""

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
    assert [error["field"] for error in problem["errors"]] == [field]
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
    assert [error["field"] for error in problem["errors"]] == ["current_password"]
