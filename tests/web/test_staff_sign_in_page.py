"""R-SUP1, R-SUP6 (issue 21, points 3 and 4): the staff sign-in page slows the client that fails, never the agent
on a device of theirs; it gives one answer for every failure and counts and audits every try."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client as HttpClient
from django_otp.plugins.otp_totp.models import TOTPDevice

from moncompte.audit.models import AuditEvent
from moncompte.support.roles import Role, staff_create
from moncompte.web.admin_site import STAFF_DEVICE_COOKIE, STAFF_SIGN_IN_REFUSED
from tests.helpers import totp_token

pytestmark = pytest.mark.django_db
LOGIN = "/support/login/"
PASSWORD = "Agent-du-support-2026"
STEP = timedelta(seconds=31)  # a code of the authenticator app serves once: the next sign-in waits for the next one


@pytest.fixture
def agent1() -> User:
    return staff_create(username="agent1", password=PASSWORD, role=Role.AGENT).user


def code_of(user: User) -> str:
    return totp_token(TOTPDevice.objects.get(user=user))


def from_address(address: str) -> HttpClient:
    return HttpClient(REMOTE_ADDR=address)


def sign_in(browser: HttpClient, *, password: str = PASSWORD, code: str = "") -> int:
    status: int = browser.post(LOGIN, {"username": "agent1", "password": password, "otp_token": code}).status_code
    return status


def test_wrong_passwords_from_many_addresses_do_not_keep_the_agent_out_of_a_device_of_theirs_R_SUP6(agent1, traveller):
    desk = from_address("198.51.100.20")
    assert sign_in(desk, code=code_of(agent1)) == 302  # an earlier working day: the device is known from now on
    assert desk.cookies[STAFF_DEVICE_COOKIE]["httponly"]
    desk.post("/support/logout/")
    traveller.shift(STEP)
    for n in range(14):  # issue 21: 14 wrong passwords for agent1 from 14 addresses
        assert sign_in(from_address(f"203.0.113.{n + 1}"), password="Mauvais-mot-de-passe") in (200, 429)
    assert sign_in(from_address("203.0.113.99"), code=code_of(agent1)) == 429  # an unknown client: refused
    desk_elsewhere = from_address("192.0.2.50")  # the agent's laptop, on another network (a clean address)
    desk_elsewhere.cookies = desk.cookies
    assert sign_in(desk_elsewhere, code=code_of(agent1)) == 302
    events = list(AuditEvent.objects.values_list("event", flat=True))
    assert events.count("staff_sign_in_failure") == 10  # the 11th onwards were refused before any check
    assert events.count("staff_sign_in_throttled") == 5


def test_a_known_device_that_fails_is_slowed_itself_R_SUP6(agent1, traveller):
    desk = from_address("198.51.100.20")
    assert sign_in(desk, code=code_of(agent1)) == 302
    desk.post("/support/logout/")
    for _ in range(10):
        assert sign_in(desk, password="Mauvais-mot-de-passe") == 200
    traveller.shift(STEP)
    assert sign_in(desk, code=code_of(agent1)) == 429
    throttled = AuditEvent.objects.get(event="staff_sign_in_throttled")
    assert throttled.details == {"username": "agent1", "known_device": True}


def test_a_device_cookie_serves_only_its_own_user_and_only_when_signed_R_SUP6(agent1, traveller):
    staff_create(username="agent2", password=PASSWORD, role=Role.AGENT)
    desk = from_address("198.51.100.20")
    assert sign_in(desk, code=code_of(agent1)) == 302
    known = desk.cookies[STAFF_DEVICE_COOKIE].value
    for n in range(10):
        from_address(f"203.0.113.{n + 1}").post(LOGIN, {"username": "agent2", "password": "x", "otp_token": ""})
    for cookie in (known, known[:-2] + "xx"):  # agent1's device, and a forged one
        other = from_address("192.0.2.50")
        other.cookies[STAFF_DEVICE_COOKIE] = cookie
        assert other.post(LOGIN, {"username": "agent2", "password": PASSWORD}).status_code == 429


def page_text(content: bytes) -> str:
    """The page as read, without its CSRF token (new on every page)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", content.decode())


def test_one_answer_for_a_wrong_password_and_for_the_right_one_without_or_with_a_wrong_code_R_SUP1(agent1):
    answers = []
    for password, code in (("Mauvais-mot-de-passe", ""), (PASSWORD, ""), (PASSWORD, "000000"), ("x", "123456")):
        response = HttpClient().post(LOGIN, {"username": "agent1", "password": password, "otp_token": code})
        assert response.status_code == 200
        answers.append(page_text(response.content))
    assert STAFF_SIGN_IN_REFUSED.replace("'", "&#x27;") in answers[0]
    assert "jeton" not in answers[1]
    assert "Veuillez compléter" not in answers[0]
    assert answers[0] == answers[1] == answers[2] == answers[3]


def test_the_right_password_without_a_code_is_counted_and_audited_R_SUP1(agent1):
    browser = from_address("198.51.100.20")
    for _ in range(10):  # issue 21: 13 such tries left no row and were never slowed
        assert sign_in(browser) == 200
    assert sign_in(browser, code=code_of(agent1)) == 429
    failures = AuditEvent.objects.filter(event="staff_second_factor_failure")
    assert failures.count() == 10
    assert {row.client_address for row in failures} == {"198.51.100.20"}
