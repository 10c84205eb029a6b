"""R-LIM8 on the web: the device cookie given at a sign-in with the personal code, and what it lets through;
R-CODE2 and R-PW9: a failing browser waits, the provisional code included, and the person elsewhere does not."""

import html
from dataclasses import replace
from datetime import date

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from moncompte.core.client import Client
from moncompte.outbox.models import OutboundEmail
from moncompte.registry import nir as nir_rules
from moncompte.selfservice.code_forgot import code_forgot
from moncompte.web.device_cookie import NAME
from tests import factories
from tests.factories import PERSONAL_CODE
from tests.helpers import clear_code_of, shown_challenge, solved_captcha
from tests.web.test_account_pages import NIR, captcha_id_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("traveller")]


@pytest.fixture(autouse=True)
def _captcha_limits_out_of_the_way(settings):
    """Every challenge of the attack is drawn from one place: the CAPTCHA's own limits are not under test."""
    settings.MONCOMPTE = replace(settings.MONCOMPTE, captcha_new_per_client=10_000, captcha_new_per_session=10_000)


def signed_in_browser(address="192.0.2.10"):
    browser = HttpClient(REMOTE_ADDR=address)
    response = browser.post(reverse("web:sign_in"), {"nir": NIR, "code": PERSONAL_CODE})
    return browser, response


def code_forgot_page(browser):
    challenge = shown_challenge(captcha_id_in(browser.get(reverse("web:code_forgot"))))
    form = {"nir": NIR, "birth_date": "03/05/1984", "captcha_id": challenge.id, "captcha_answer": challenge.answer}
    return browser.post(reverse("web:code_forgot"), form)


def attack(now):
    for n in range(40):
        robot = Client(f"198.51.{n + 1}.7", "script")
        nir = nir_rules.parse(NIR)
        code_forgot(nir=nir, birth_date=date(1984, 5, 3), captcha=solved_captcha(now), client=robot, now=now)


def provisional_codes():
    return OutboundEmail.objects.filter(template="provisional_code", to_address="camille@example.fr")


@pytest.mark.parametrize("secure", [False, True])
def test_the_personal_code_gives_a_signed_httponly_lax_device_cookie_secure_outside_the_demo_R_LIM8(
    code_sent, now, settings, secure
):
    settings.SECURE_COOKIES = secure
    factories.active(code_sent, now)
    _, response = signed_in_browser()
    cookie = response.cookies[NAME]
    assert (cookie["httponly"], cookie["samesite"], bool(cookie["secure"])) == (True, "Lax", secure)
    assert int(cookie["max-age"]) == 180 * 24 * 3600
    assert cookie.value.count(":") == 2  # value:timestamp:signature, signed with the service's key


def test_the_provisional_code_gives_no_device_cookie_R_LIM8(code_sent):
    response = HttpClient().post(reverse("web:sign_in"), {"nir": NIR, "code": code_sent.clear})
    assert NAME not in response.cookies


def test_after_40_requests_from_40_addresses_the_person_s_browser_gets_a_code_that_works_R_LIM8(code_sent, now):
    factories.active(code_sent, now)
    browser, _ = signed_in_browser()
    browser.post(reverse("web:sign_out"))
    attack(now)
    before = provisional_codes().count()
    assert code_forgot_page(browser)["Location"] == reverse("web:code_forgot_sent")
    assert provisional_codes().count() == before + 1
    code = clear_code_of(provisional_codes().latest("id").body_text)
    response = browser.post(reverse("web:sign_in"), {"nir": NIR, "code": code})
    assert response["Location"] == reverse("web:choose_password")


@pytest.mark.parametrize("altered", [lambda v: v[:-1] + ("A" if v[-1] != "A" else "B"), lambda v: v.split(":")[0]])
def test_an_altered_or_unsigned_device_cookie_gets_nothing_past_the_caps_and_no_error_R_LIM8(code_sent, now, altered):
    factories.active(code_sent, now)
    browser, response = signed_in_browser()
    browser.cookies[NAME] = altered(response.cookies[NAME].value)
    attack(now)
    before = provisional_codes().count()
    assert code_forgot_page(browser)["Location"] == reverse("web:code_forgot_sent")  # the same answer
    assert provisional_codes().count() == before


def test_a_new_personal_code_gives_the_browser_a_new_device_cookie_R_LIM8_R_LIM5(code_sent, now):
    factories.active(code_sent, now)
    browser, first = signed_in_browser()
    new = {"current_password": PERSONAL_CODE, "password": "Nouveau-Code-2027", "confirmation": "Nouveau-Code-2027"}
    response = browser.post(reverse("web:password_change"), new)
    assert response.cookies[NAME].value != first.cookies[NAME].value


def test_a_failing_browser_waits_even_with_the_right_provisional_code_the_person_elsewhere_not_R_CODE2_R_PW9(
    code_sent, now
):
    factories.active(code_sent, now)
    failing = HttpClient(REMOTE_ADDR="198.51.100.66")
    for _ in range(5):
        failing.post(reverse("web:sign_in"), {"nir": NIR, "code": "Mauvais-Code-1"})
    code_forgot_page(HttpClient(REMOTE_ADDR="192.0.2.10"))
    code = clear_code_of(provisional_codes().latest("id").body_text)
    page = html.unescape(failing.post(reverse("web:sign_in"), {"nir": NIR, "code": code}).content.decode())
    assert "la connexion est suspendue pendant 2 minutes" in page
    person = HttpClient(REMOTE_ADDR="192.0.2.10")
    assert person.post(reverse("web:sign_in"), {"nir": NIR, "code": code})["Location"] == reverse("web:choose_password")


def test_behind_an_address_others_have_suspended_the_person_s_browser_signs_in_with_its_cookie_R_LIM8_R_PW9(
    code_sent, now
):
    factories.active(code_sent, now)
    browser, _ = signed_in_browser()
    browser.post(reverse("web:sign_out"))
    same_address = HttpClient(REMOTE_ADDR="192.0.2.10")  # someone else behind the person's NAT
    for _ in range(6):
        same_address.post(reverse("web:sign_in"), {"nir": NIR, "code": "Mauvais-Code-1"})
    page = same_address.post(reverse("web:sign_in"), {"nir": NIR, "code": PERSONAL_CODE}).content.decode()
    assert "la connexion est suspendue" in html.unescape(page)
    response = browser.post(reverse("web:sign_in"), {"nir": NIR, "code": PERSONAL_CODE})
    assert response["Location"] == reverse("web:account")
