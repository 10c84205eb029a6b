"""R-LIM8 in the app: the device token given with the personal code, and what it lets through; R-CODE2 and
R-PW9: a failing client waits, the provisional code included, and the person elsewhere does not."""

from dataclasses import replace
from datetime import date

import pytest
from django.test import Client as HttpClient

from moncompte.captcha.challenges import challenge_answer
from moncompte.core.client import Client
from moncompte.outbox.models import OutboundEmail
from moncompte.registry import nir as nir_rules
from moncompte.selfservice.code_forgot import code_forgot
from tests import factories
from tests.api.test_sessions import NIR
from tests.factories import PERSONAL_CODE
from tests.helpers import clear_code_of, solved_captcha

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("traveller")]


@pytest.fixture(autouse=True)
def _captcha_limits_out_of_the_way(settings):
    """Every challenge of the attack is drawn from one place: the CAPTCHA's own limits are not under test."""
    settings.MONCOMPTE = replace(settings.MONCOMPTE, captcha_new_per_client=10_000, captcha_new_per_session=10_000)


def call(path, *, address="192.0.2.10", token="", **body):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    answer = HttpClient(REMOTE_ADDR=address).post(
        f"/api/v1{path}", body, content_type="application/json", headers=headers
    )
    return answer.status_code, answer.json() if answer.content else None, answer


def code_forgot_in_the_app(**extra):
    _, challenge, _ = call("/captcha")
    answer = challenge_answer(challenge_id=challenge["id"])
    captcha = {"captcha_id": challenge["id"], "captcha_key": challenge["key"], "captcha_answer": answer}
    return call("/code-forgot", nir=NIR, birth_date="1984-05-03", **captcha, **extra)


def attack(now):
    for n in range(40):
        robot = Client(f"198.51.{n + 1}.7", "script", channel="app")
        nir = nir_rules.parse(NIR)
        code_forgot(nir=nir, birth_date=date(1984, 5, 3), captcha=solved_captcha(now), client=robot, now=now)


def provisional_codes():
    return OutboundEmail.objects.filter(template="provisional_code", to_address="camille@example.fr")


def test_the_provisional_code_gives_no_device_token_R_LIM8(code_sent):
    status, body, _ = call("/sessions", nir=NIR, code=code_sent.clear)
    assert (status, body["device_token"]) == (200, None)


def test_the_personal_code_gives_a_device_token_R_LIM8(code_sent, now):
    factories.active(code_sent, now)
    status, body, _ = call("/sessions", nir=NIR, code=PERSONAL_CODE)
    assert status == 200
    assert body["device_token"]


def test_choosing_the_first_personal_code_in_the_app_gives_a_device_token_that_passes_the_caps_R_LIM8(code_sent, now):
    restricted = call("/sessions", nir=NIR, code=code_sent.clear)[1]["access_token"]
    choose = {"password": PERSONAL_CODE, "confirmation": PERSONAL_CODE}
    status, chosen, _ = call("/personal-code", token=restricted, **choose)
    assert (status, chosen["scope"]) == (200, "account")
    assert chosen["device_token"]
    attack(now)
    before = provisional_codes().count()
    assert code_forgot_in_the_app()[0] == 202  # without its token: the same answer, nothing sent
    assert provisional_codes().count() == before
    assert code_forgot_in_the_app(device_token=chosen["device_token"])[0] == 202
    assert provisional_codes().count() == before + 1
    status, signed, _ = call("/sessions", nir=NIR, code=PERSONAL_CODE, device_token=chosen["device_token"])
    assert (status, signed["device_token"]) == (200, chosen["device_token"])  # a device already trusted keeps it


def test_after_40_requests_from_40_addresses_the_person_s_app_gets_a_code_that_works_R_LIM8(code_sent, now):
    factories.active(code_sent, now)
    device = call("/sessions", nir=NIR, code=PERSONAL_CODE)[1]["device_token"]
    attack(now)
    before = provisional_codes().count()
    assert code_forgot_in_the_app()[0] == 202  # without its token: the same answer, nothing sent
    assert provisional_codes().count() == before
    assert code_forgot_in_the_app(device_token=device)[0] == 202
    assert provisional_codes().count() == before + 1
    code = clear_code_of(provisional_codes().latest("id").body_text)
    status, body, _ = call("/sessions", nir=NIR, code=code)
    assert (status, body["scope"]) == (200, "choose_personal_code")


def test_a_new_personal_code_ends_the_app_s_device_token_and_gives_another_R_LIM8_R_LIM5(code_sent, now):
    factories.active(code_sent, now)
    pair = call("/sessions", nir=NIR, code=PERSONAL_CODE)[1]
    new = {"current_password": PERSONAL_CODE, "password": "Nouveau-Code-2027", "confirmation": "Nouveau-Code-2027"}
    status, renewed, _ = call("/account/personal-code", token=pair["access_token"], **new)
    assert status == 200
    assert renewed["device_token"] not in (None, pair["device_token"])
    attack(now)
    before = provisional_codes().count()
    code_forgot_in_the_app(device_token=pair["device_token"])
    assert provisional_codes().count() == before
    code_forgot_in_the_app(device_token=renewed["device_token"])
    assert provisional_codes().count() == before + 1


def test_a_device_token_too_long_is_refused_as_the_schema_says_R_LIM8(code_sent, now):
    assert code_forgot_in_the_app(device_token="1." + "x" * 300)[0] == 400


def test_a_failing_app_waits_even_with_the_right_provisional_code_the_person_elsewhere_not_R_CODE2_R_PW9(
    code_sent, now
):
    factories.active(code_sent, now)
    for _ in range(5):
        call("/sessions", address="198.51.100.66", nir=NIR, code="Mauvais-Code-1")
    code_forgot_in_the_app()
    code = clear_code_of(provisional_codes().latest("id").body_text)
    status, problem, answer = call("/sessions", address="198.51.100.66", nir=NIR, code=code)
    assert (status, problem["code"], answer["Retry-After"]) == (429, "sign_in_blocked", "120")
    status, body, _ = call("/sessions", nir=NIR, code=code)
    assert (status, body["scope"]) == (200, "choose_personal_code")


def test_behind_an_address_others_have_suspended_the_person_s_app_signs_in_with_its_token_R_LIM8_R_PW9(code_sent, now):
    factories.active(code_sent, now)
    device = call("/sessions", nir=NIR, code=PERSONAL_CODE)[1]["device_token"]
    for _ in range(6):  # someone else behind the person's NAT
        call("/sessions", nir=NIR, code="Mauvais-Code-1")
    assert call("/sessions", nir=NIR, code=PERSONAL_CODE)[0] == 429
    status, body, _ = call("/sessions", nir=NIR, code=PERSONAL_CODE, device_token=device)
    assert (status, body["device_token"]) == (200, device)
