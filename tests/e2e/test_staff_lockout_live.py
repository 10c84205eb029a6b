"""Issue 21, point 3, end to end (R-SUP6): a real `moncompte serve` (two processes) on PostgreSQL. An agent signs
in once completely and keeps the device cookie; 14 wrong passwords for that user name from 14 addresses; then an
unknown client with the right password and a valid code is refused, and the agent, with the device cookie, from
a clean address, gets in."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from moncompte.audit.models import AuditEvent
from moncompte.support.roles import Role, staff_create
from moncompte.web.admin_site import STAFF_DEVICE_COOKIE
from tests.e2e.live import Visitor, served

pytestmark = pytest.mark.postgresql
LOGIN = "/support/login/"
PASSWORD = "Agent-du-support-2026"
REFUSED = "Trop de tentatives"


@pytest.fixture
def port(tmp_path: Path, transactional_db) -> Iterator[int]:
    with served(tmp_path / "var") as port:
        yield port


def code_after_last_use(user: User) -> str:
    """The next code of the agent's authenticator app after the one used last (a code serves once): the one of
    the next 30-second step, which the device accepts (tolerance 1), so the test never waits for the clock.
    `last_t` counts steps with the device's drift added: a sign-in that crossed a step boundary leaves a drift
    of -1, so the wall-clock time of the next step is `last_t + 1 - drift` steps after `t0`."""
    device = TOTPDevice.objects.get(user=user)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if device.last_t >= 0:
        totp.time = device.t0 + (device.last_t + 1 - device.drift) * device.step
    return f"{totp.token():0{device.digits}d}"


def sign_in(visitor: Visitor, *, password: str, code: str = "") -> tuple[int, str]:
    return visitor.form(LOGIN, {"username": "agent1", "password": password, "otp_token": code})


def test_14_wrong_passwords_from_14_addresses_keep_out_unknown_clients_but_not_the_agent_s_device_R_SUP6(port):
    agent1 = staff_create(username="agent1", password=PASSWORD, role=Role.AGENT).user
    desk = Visitor(port, "198.51.100.20")
    assert sign_in(desk, password=PASSWORD, code=code_after_last_use(agent1))[0] == 302  # an earlier working day
    device_cookie = desk.cookies[STAFF_DEVICE_COOKIE]
    for n in range(14):  # issue 21: 14 wrong passwords for agent1 from 14 addresses
        status, _ = sign_in(Visitor(port, f"203.0.113.{n + 1}"), password="Mauvais-mot-de-passe")
        assert status in (200, 429)
    code = code_after_last_use(agent1)
    status, page = sign_in(Visitor(port, "203.0.113.99"), password=PASSWORD, code=code)  # right password and code
    assert (status, REFUSED in page) == (429, True)  # but an unknown client: refused
    laptop = Visitor(port, "192.0.2.50", cookies={STAFF_DEVICE_COOKIE: device_cookie})  # a clean address
    assert sign_in(laptop, password=PASSWORD, code=code)[0] == 302
    assert laptop.request("GET", "/support/")[0] == 200  # signed in, second factor verified
    events = list(AuditEvent.objects.values_list("event", flat=True))
    assert events.count("staff_sign_in_failure") == 10  # the 11th onwards were refused before any check
    assert events.count("staff_sign_in_throttled") == 5
