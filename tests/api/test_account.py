"""R-API1: the signed-in person in the app, and parity with the web's messages."""

import html

import pytest
from django.urls import reverse

from moncompte.accounts.models import ConsentRecord
from moncompte.captcha.challenges import challenge_answer
from moncompte.outbox.models import OutboundEmail
from tests import factories
from tests.api.test_sessions import NIR, call
from tests.factories import PERSONAL_CODE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("traveller")]


@pytest.fixture
def pair(code_sent, now):
    journey = factories.active(code_sent, now)
    journey.account.mobile = "+33650564278"
    journey.account.save()
    _, body, _ = call("post", "/sessions", nir=NIR, code=PERSONAL_CODE, device_name="iPhone")
    return body


def test_a_consent_changed_in_the_app_is_in_the_ledger_as_given_in_the_app_R_CT5(pair):
    status, consents, _ = call("put", "/account/consents/mobile_sms", pair["access_token"], granted=True)
    assert status == 200
    assert {c["channel"]: c["granted"] for c in consents}["mobile_sms"] is True
    assert ConsentRecord.objects.filter(channel="mobile_sms").latest("at").source == "app"


def test_the_app_changes_the_phone_numbers_with_their_consents_R_CT6(pair):
    token = pair["access_token"]
    status, problem, _ = call("put", "/account/phones", token, mobile="06 12 34 56 78", landline="")
    assert status == 400  # a changed number's questions, unanswered: refused on their fields, as on the web
    assert {error["field"] for error in problem["errors"]} == {"consent_mobile_call", "consent_mobile_sms"}
    answers = {"consent_mobile_call": False, "consent_mobile_sms": True}
    status, account, _ = call("put", "/account/phones", token, mobile="06 12 34 56 78", landline="", **answers)
    assert status == 200
    assert account["mobile"] == "06 12 34 56 78"
    assert {c["channel"]: c["granted"] for c in account["consents"]}["mobile_sms"] is True
    assert ConsentRecord.objects.filter(channel="mobile_sms").latest("id").source == "app"
    status, problem, _ = call("put", "/account/phones", token, mobile="")
    assert status == 400  # both numbers are said: nothing removed by leaving one out
    status, account, _ = call("put", "/account/phones", token, mobile="", landline="")
    assert (status, account["mobile"]) == (200, "")
    assert ConsentRecord.objects.filter(channel="mobile_sms").latest("id").granted is False  # taken with it


def test_a_new_address_needs_the_personal_code_and_tells_the_old_one(pair):
    wrong = {"email": "c.d@autre.example", "email_confirmation": "c.d@autre.example", "current_password": "Faux-1234"}
    status, problem, _ = call("post", "/account/email", pair["access_token"], **wrong)
    assert (status, problem["field"]) == (400, "current_password")
    status, sent, _ = call(
        "post", "/account/email", pair["access_token"], **{**wrong, "current_password": PERSONAL_CODE}
    )
    assert (status, sent["email_masked"]) == (200, "c•d@autre.example")
    assert OutboundEmail.objects.filter(template="email_change_notice", to_address="camille@example.fr").exists()
    status, account, _ = call("get", "/account", pair["access_token"])
    assert (account["email"], account["pending_email"]) == ("camille@example.fr", "c.d@autre.example")  # R-EM1
    assert account["pending_email_masked"] == "c•d@autre.example"


def test_a_new_personal_code_ends_every_other_session_and_renews_this_one_R_LIM5(pair):
    _, other, _ = call("post", "/sessions", nir=NIR, code=PERSONAL_CODE, device_name="tablette")
    new = {"current_password": PERSONAL_CODE, "password": "Nouveau-Code-2027!", "confirmation": "Nouveau-Code-2027!"}
    status, renewed, _ = call("post", "/account/personal-code", pair["access_token"], **new)
    assert status == 200
    assert call("get", "/account", renewed["access_token"])[0] == 200
    assert call("get", "/account", other["access_token"])[0] == 401
    assert call("get", "/account", pair["access_token"])[0] == 401


def test_code_forgot_answers_the_same_whether_or_not_an_account_matched_R_CODE5(pair):
    answers = []
    for birth in ("1984-05-03", "1984-05-17"):  # the second fits the NIR (R-NIR5), not the registry
        _, challenge, _ = call("post", "/captcha")
        answer = challenge_answer(challenge_id=challenge["id"])
        status, body, _ = call(
            "post",
            "/code-forgot",
            nir=NIR,
            birth_date=birth,
            captcha_id=challenge["id"],
            captcha_key=challenge["key"],
            captcha_answer=answer,
        )
        answers.append((status, body))
    assert answers[0] == answers[1]
    assert answers[0][0] == 202


@pytest.mark.parametrize(
    ("web_form", "api_call"),
    [
        ({"nir": NIR, "code": "Mauvais-code-1"}, ("post", "/sessions", {"nir": NIR, "code": "Mauvais-code-1"})),
        ({"nir": "1 23", "code": "x"}, ("post", "/sessions", {"nir": "1 23", "code": "x"})),
    ],
)
def test_the_web_and_the_api_say_the_same_french_message_R_API1(client, code_sent, web_form, api_call):
    page = html.unescape(client.post(reverse("web:sign_in"), web_form).content.decode())
    method, path, body = api_call
    _, problem, _ = call(method, path, **body)
    assert problem["detail"] in page
