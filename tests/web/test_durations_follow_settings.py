"""R-SEC4 and R-A11Y2: every duration and count a page, an email or a message states comes from the settings.

The settings are changed to unusual values; every page and email that states one is rendered, and must show
the new value and never the default one.
"""

import re
from dataclasses import replace
from datetime import timedelta

import pytest
from django.urls import reverse

from moncompte.captcha.challenges import challenge_answer
from moncompte.captcha.errors import CaptchaExpired
from moncompte.enrollment.errors import CodeExpired, RestrictedSessionExpired
from moncompte.outbox.models import OutboundEmail
from tests import factories
from tests.factories import PERSONAL_CODE, last_link_token

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("traveller")]

CHANGED = {
    "captcha_lifetime": timedelta(minutes=7),
    "code_lifetime": timedelta(minutes=45),
    "email_link_lifetime": timedelta(days=10),
    "email_forget_after": timedelta(days=30),
}
DEFAULT_WORDS = re.compile(r"\b(5 minutes|30 minutes|7 jours|21 jours|7 caractères|5 fois)\b")
DAY = timedelta(days=1)
NIR = "2 84 05 88 321 025 32"


@pytest.fixture
def changed(settings):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, **CHANGED)


def page(client, name, **query):
    url = reverse(name) + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def assert_states(text: str, *words: str) -> None:
    for word in words:
        assert word in text
    assert not DEFAULT_WORDS.search(text), DEFAULT_WORDS.search(text)


@pytest.mark.parametrize(
    ("name", "query", "words"),
    [
        ("web:identity", {}, ["45 minutes", "7 minutes"]),
        ("web:code_forgot", {}, ["45 minutes", "7 minutes"]),
        ("web:code_forgot_sent", {}, ["45 minutes"]),
        ("web:sign_in", {"expire": "1"}, ["45 minutes"]),
        ("web:email_validation", {}, ["10 jours"]),
    ],
)
def test_pages_state_the_configured_durations(changed, client, name, query, words):
    assert_states(page(client, name, **query), *words)


def test_the_code_sent_page_states_the_configured_code_lifetime(changed, client, beneficiary):
    found = re.search(r'name="captcha_id" value="([^"]+)"', page(client, "web:identity"))
    assert found
    captcha_id = found[1]
    answer = challenge_answer(challenge_id=captcha_id)
    data = {"nir": NIR, "birth_date": "03/05/1984", "postal_code": "88100", "email": "camille@example.fr"}
    client.post(reverse("web:identity"), {**data, "captcha_id": captcha_id, "captcha_answer": answer})
    assert_states(page(client, "web:code_sent"), "45 minutes")
    email = OutboundEmail.objects.get(template="provisional_code")
    assert_states(email.body_text + email.body_html, "45 minutes")


@pytest.mark.parametrize(("days", "words"), [(0, ["10 jours"]), (11, ["10 jours"]), (31, ["30 jours"])])
def test_the_unconfirmed_email_page_states_the_configured_windows(
    changed, client, code_sent, now, traveller, days, words
):
    factories.with_link_sent(code_sent, now)
    traveller.shift(days * DAY)
    client.post(reverse("web:sign_in"), {"nir": NIR, "code": PERSONAL_CODE})
    assert_states(page(client, "web:email_pending"), *words)


@pytest.mark.parametrize(("days", "words"), [(11, ["10 jours"]), (31, ["30 jours"])])
def test_the_link_pages_state_the_configured_windows(changed, client, code_sent, now, traveller, days, words):
    factories.with_link_sent(code_sent, now)
    email = OutboundEmail.objects.get(template="email_confirmation")
    assert_states(email.body_text + email.body_html, "10 jours")
    url = reverse("web:email_link", args=[last_link_token("camille@example.fr")])
    traveller.shift(days * DAY)
    assert_states(client.get(url).content.decode(), *words)


def test_the_email_change_page_states_the_configured_link_lifetime(changed, client, code_sent, now):
    factories.active(code_sent, now)
    client.post(reverse("web:sign_in"), {"nir": NIR, "code": PERSONAL_CODE})
    assert_states(page(client, "web:email_change"), "10 jours")


def test_messages_state_the_configured_durations_and_counts(changed):
    assert_states(CodeExpired().message, "45 minutes")
    assert_states(RestrictedSessionExpired().message, "45 minutes")
    assert_states(CaptchaExpired().message, "7 minutes")
