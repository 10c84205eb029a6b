"""R-API1: the whole seed journey through the API alone — CAPTCHA, identity, the code read from the SMTP
sink, personal code, contacts, the link, sign-in, the account — and the 7/21-day windows."""

import re
from datetime import timedelta

import pytest
from django.test import Client as HttpClient

from moncompte.captcha.challenges import challenge_answer
from moncompte.outbox.delivery import deliver_due
from moncompte.outbox.sink import received
from moncompte.outbox.transport import SmtpTransport
from tests.api.test_sessions import call
from tests.factories import PERSONAL_CODE
from tests.helpers import clear_code_of

pytestmark = [pytest.mark.django_db]
NIR = "2 84 05 88 321 025 32"


def mail_to(smtp_sink, address: str) -> str:
    """The message this delivery brings to the address. Not the first of `received`: under the frozen clock
    two messages have the same date and the sink orders them by their Maildir names, whose counter compares as
    text (Q10 before Q9): the code's message could come back in place of the link's."""
    controller, maildir = smtp_sink
    before = {m.key for m in received(maildir)}
    deliver_due(transport=SmtpTransport(host=controller.hostname, port=controller.port))
    return next(m.text for m in received(maildir) if m.key not in before and address in str(m.message["To"]))


def enroll(smtp_sink, email: str):
    status, challenge, _ = call("post", "/captcha")
    assert status == 200
    image = HttpClient().get(challenge["image"])
    assert (image.status_code, image["Content-Type"]) == (200, "image/png")
    assert HttpClient().get(challenge["audio"])["Content-Type"] == "audio/wav"
    status, sent, _ = call(
        "post",
        "/enrollment/identity",
        nir=NIR,
        birth_date="1984-05-03",
        postal_code="88100",
        email=email,
        captcha_id=challenge["id"],
        captcha_key=challenge["key"],
        captcha_answer=challenge_answer(challenge_id=challenge["id"]).lower(),
    )
    assert (status, sent["email_masked"]) == (202, "c•••••e@example.fr")
    code = clear_code_of(mail_to(smtp_sink, email))
    _, restricted, _ = call("post", "/sessions", nir=NIR, code=code, device_name="Pixel")
    _, pair, _ = call(
        "post", "/personal-code", restricted["access_token"], password=PERSONAL_CODE, confirmation=PERSONAL_CODE
    )
    assert pair["next_step"] == "give_contact_details"
    status, linked, _ = call(
        "post",
        "/enrollment/contact",
        pair["access_token"],
        email=email,
        email_confirmation=email,
        mobile="06 50 56 42 78",
        consent_email=False,
        consent_mobile_call=False,
        consent_mobile_sms=True,
    )
    assert (status, linked["email_masked"]) == (200, "c•••••e@example.fr")
    return pair


def link_in(text: str) -> str:
    found = re.search(r"(/email/[\w-]+/)", text)
    assert found
    return found[1]


def test_the_whole_journey_through_the_api(beneficiary, smtp_sink, traveller):
    enroll(smtp_sink, "camille@example.fr")
    link = link_in(mail_to(smtp_sink, "camille@example.fr"))
    assert HttpClient().post(link, {"action": "confirm"}).status_code == 200  # the person clicks in the email
    status, pair, _ = call("post", "/sessions", nir=NIR, code=PERSONAL_CODE, device_name="Pixel")
    assert (status, pair["next_step"]) == (200, "account")
    status, account, _ = call("get", "/account", pair["access_token"])
    assert (status, account["email"], account["mobile"]) == (200, "camille@example.fr", "06 50 56 42 78")


def test_the_7_and_21_day_windows_through_the_api(beneficiary, smtp_sink, traveller):
    enroll(smtp_sink, "camille@example.fr")
    traveller.shift(timedelta(days=7, minutes=1))
    _, pair, _ = call("post", "/sessions", nir=NIR, code=PERSONAL_CODE)
    assert (pair["next_step"], pair["message"][:24]) == ("confirm_email", "Le lien n'est plus actif")
    assert call("post", "/email/resend", pair["access_token"])[0] == 200
    traveller.shift(timedelta(days=21, minutes=1))
    _, pair, _ = call("post", "/sessions", nir=NIR, code=PERSONAL_CODE)
    assert "n'est plus mémorisée" in pair["message"]
    status, linked, _ = call(
        "post",
        "/email/replace",
        pair["access_token"],
        email="c.d@autre.example",
        email_confirmation="c.d@autre.example",
    )
    assert (status, linked["email_masked"]) == (200, "c•d@autre.example")


def test_a_missing_consent_answer_is_asked_for_on_its_field_R_CT4(code_sent, now, traveller):
    from tests import factories

    factories.with_personal_code(code_sent, now)
    _, pair, _ = call("post", "/sessions", nir=NIR, code=PERSONAL_CODE)
    status, problem, _ = call(
        "post",
        "/enrollment/contact",
        pair["access_token"],
        email="c@example.fr",
        email_confirmation="c@example.fr",
        mobile="0650564278",
        consent_email=False,
    )
    assert (status, problem["code"], problem["field"]) == (400, "consent_missing", "consent_mobile_call"), problem
    assert [each["field"] for each in problem["errors"]] == ["consent_mobile_call", "consent_mobile_sms"]
    assert {each["detail"] for each in problem["errors"]} == {"Répondez par oui ou par non."}
