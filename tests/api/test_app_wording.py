"""R-API1 (issue 23, point 7): the CAPTCHA's problems are true for an app. The web's texts say « Un nouveau code vous
est proposé » (the page draws one) and speak of « votre navigateur »; the API proposes nothing (the app asks
POST /captcha), so its texts say to try with a new challenge, and a refused proof of work names its own member,
`captcha_work`. Every other refusal keeps the web's words (tests/api/test_parity.py)."""

from datetime import timedelta

import pytest

from moncompte.api.texts import IN_THE_APP
from tests.api.test_captcha_work import PERSON, identity, new_challenge, post, proof_of
from tests.api.test_refusals import KINDS, raised

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("traveller")]
WEB_ONLY = ("vous est proposé", "navigateur", "recopiez-le puis validez")


def assert_for_an_app(problem, code: str, field: str) -> None:
    assert (problem["code"], problem["field"]) == (code, field)
    assert not any(words in problem["detail"] for words in WEB_ONLY), problem["detail"]
    assert "nouveau code anti-robot" in problem["detail"]  # what the app asks for: POST /captcha


def test_a_wrong_answer_says_to_try_a_new_challenge_not_that_one_is_proposed_R_API1(beneficiary):
    challenge = new_challenge()
    body = {**PERSON, "captcha_id": challenge["id"], "captcha_key": challenge["key"], "captcha_answer": "ZZZZZZ"}
    status, problem, _ = post("/enrollment/identity", body)
    assert status == 400
    assert_for_an_app(problem, "captcha_wrong", "captcha_answer")


def test_an_expired_challenge_says_to_try_a_new_one_R_API1(beneficiary, traveller):
    challenge = new_challenge()
    traveller.shift(timedelta(hours=1))
    status, problem, _ = identity(challenge, "")
    assert status == 400
    assert_for_an_app(problem, "captcha_expired", "captcha_answer")
    assert "(il est valable 5 minutes)" in problem["detail"]


def test_a_refused_proof_of_work_names_captcha_work_and_no_browser_R_API1_R_CAP6(beneficiary):
    challenge = new_challenge()
    status, problem, _ = identity(challenge, proof_of(challenge["work"], number=-1))
    assert status == 400
    assert_for_an_app(problem, "captcha_work_refused", "captcha_work")


@pytest.mark.parametrize("kind", KINDS, ids=[kind.__name__ for kind in KINDS])
def test_no_problem_of_the_api_says_what_only_a_page_does_R_API1(kind):
    error = raised(kind)
    worded = IN_THE_APP.get(error.code)
    message = worded.message() if worded else error.message
    assert not any(words in message for words in WEB_ONLY), (kind.code, message)
