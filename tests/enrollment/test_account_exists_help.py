"""R-BOT2, R-ID1, R-LIM4: « compte existe déjà » tells the person what to do if they did not create the account
(contact the caisse), on the web and in the API, and tells nothing more about the account than before: the same
words whatever the account's state, no address, no date."""

import html
from typing import Any, cast

import pytest
from django.test import Client as HttpClient

from moncompte.captcha.challenges import challenge_answer
from moncompte.enrollment.contact_submit import contact_submit
from moncompte.enrollment.email_links import email_confirm
from tests import factories
from tests.api.test_sessions import call
from tests.factories import CLIENT
from tests.web.test_enrollment_pages import submit_identity

pytestmark = pytest.mark.django_db
STEPS = ["with_personal_code", "with_link_sent", "active"]
SAID = "Si vous n'avez pas créé ce compte vous-même, contactez votre caisse d'Assurance Maladie"


def on_the_web() -> str:
    page = html.unescape(submit_identity(HttpClient(), email="quelqu.un@example.net").content.decode())
    start = page.index("Vous avez déjà un compte")
    return page[start : page.index("<", start)]


def in_the_api() -> dict[str, Any]:
    _, challenge, _ = call("post", "/captcha")
    status, problem, _ = call(
        "post",
        "/enrollment/identity",
        nir="2 84 05 88 321 025 32",
        birth_date="1984-05-03",
        postal_code="88100",
        email="quelqu.un@example.net",
        captcha_id=challenge["id"],
        captcha_key=challenge["key"],
        captcha_answer=challenge_answer(challenge_id=challenge["id"]),
    )
    assert status == 400
    return cast(dict[str, Any], problem)


@pytest.mark.parametrize("step", STEPS)
def test_the_person_is_told_to_contact_the_caisse_on_the_web_and_in_the_api_R_BOT2(code_sent, now, step):
    getattr(factories, step)(code_sent, now)
    said = on_the_web()
    assert SAID in said
    problem = in_the_api()
    assert problem["code"] == "account_exists"
    assert problem["detail"] == said


def test_the_answer_is_the_same_whatever_the_account_s_state_and_names_nothing_of_it_R_LIM4(code_sent, now):
    journey = factories.with_personal_code(code_sent, now)
    answers = {on_the_web(), in_the_api()["detail"]}
    contact_submit(account_id=journey.account.pk, details=factories.details(), client=CLIENT, now=now)
    answers |= {on_the_web(), in_the_api()["detail"]}
    email_confirm(token=factories.last_link_token("camille@example.fr"), client=CLIENT, now=now)
    answers |= {on_the_web(), in_the_api()["detail"]}
    assert journey.refresh().state == "active"
    assert len(answers) == 1
    said = answers.pop()
    for detail in ("camille", "example.fr", "c•", "@", "2026", "actif", "confirm"):
        assert detail not in said.lower()
