"""Issue 21, point 1, end to end (R-LIM8): a real `moncompte serve` and `moncompte worker` on PostgreSQL, a real
SMTP sink, the app's API. 40 « Code oublié ? » from 40 addresses (each its own network) with the person's NIR
and birth date, then the person's own app with its device token: the person's mailbox receives the 5 codes
the strangers' requests may send and the person's own, no more, and the person's code works."""

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from moncompte.captcha.challenges import challenge_answer
from moncompte.outbox.sink import free_port, received
from tests import factories
from tests.e2e.test_behind_nginx import wait_until_up
from tests.factories import PERSONAL_CODE
from tests.helpers import clear_code_of
from tests.outbox.faults import database_url

pytestmark = pytest.mark.postgresql

MONCOMPTE = str(Path(sys.executable).with_name("moncompte"))
NIR = "2 84 05 88 321 025 32"
MAILBOX = "camille@example.fr"
PERSON = "192.0.2.10"


@pytest.fixture
def service(tmp_path: Path, smtp_sink, transactional_db) -> Iterator[tuple[str, Path]]:
    """(address, maildir) of the service as deployed: serve and worker processes, the test's database."""
    controller, maildir = smtp_sink
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "SECRET_KEY": settings.SECRET_KEY,  # the test derives CAPTCHA answers with it
        "MONCOMPTE_VAR_DIR": str(tmp_path / "var"),
        "MONCOMPTE_TRUSTED_PROXIES": "127.0.0.1/32",  # the test speaks for 41 addresses, as a proxy would
        "EMAIL_URL": f"smtp://{controller.hostname}:{controller.port}",
        "MONCOMPTE_LOG_LEVEL": "WARNING",
    }
    for name in ("DEBUG", "MONCOMPTE_DEMO", "REDIS_URL"):
        env.pop(name, None)
    log = (tmp_path / "processes.log").open("w")
    processes = [
        subprocess.Popen(
            [MONCOMPTE, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2"], env=env, stdout=log, stderr=log
        ),
        subprocess.Popen([MONCOMPTE, "worker"], env=env, stdout=log, stderr=log),
    ]
    try:
        wait_until_up(f"http://127.0.0.1:{port}/sante/")
        yield f"http://127.0.0.1:{port}", maildir
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        log.close()


def api(base: str, path: str, *, address: str, **body: Any) -> tuple[int, Any]:
    request = urllib.request.Request(  # noqa: S310 - http://127.0.0.1 only
        f"{base}/api/v1{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "X-Forwarded-For": address, "X-Forwarded-Proto": "https"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read() or b"null")


def code_forgot(base: str, *, address: str, **extra: Any) -> int:
    _, challenge = api(base, "/captcha", address=address)
    answer = challenge_answer(challenge_id=challenge["id"])
    captcha = {"captcha_id": challenge["id"], "captcha_key": challenge["key"], "captcha_answer": answer}
    status, _ = api(base, "/code-forgot", address=address, nir=NIR, birth_date="1984-05-03", **captcha, **extra)
    return status


def codes_received(maildir: Path) -> list[str]:
    mails = [
        m for m in received(maildir) if MAILBOX in str(m.message["To"]) and "code provisoire" in m.message["Subject"]
    ]
    return [clear_code_of(mail.text) for mail in mails]


def wait_for_codes(maildir: Path, count: int, seconds: float = 60) -> list[str]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and len(codes_received(maildir)) < count:
        time.sleep(0.2)
    return codes_received(maildir)


def test_after_40_requests_from_40_addresses_the_person_s_app_gets_a_working_code_and_the_mailbox_5_more_R_LIM8(
    code_sent, now, service
):
    factories.active(code_sent, now)  # in the past: the journey's own code is out of every window
    base, maildir = service
    journey = len(wait_for_codes(maildir, 1))
    status, pair = api(base, "/sessions", address=PERSON, nir=NIR, code=PERSONAL_CODE, device_name="iPhone")
    assert status == 200
    assert all(code_forgot(base, address=f"198.51.{n + 1}.7") == 202 for n in range(40))
    assert code_forgot(base, address=PERSON, device_token=pair["device_token"]) == 202
    codes = wait_for_codes(maildir, journey + 6)
    time.sleep(3)  # anything more would have come by now (the worker takes a message 2 s after its request)
    assert len(codes_received(maildir)) == journey + 6  # the bound: 5 for strangers in 30 minutes, 1 for the person
    status, restricted = api(base, "/sessions", address=PERSON, nir=NIR, code=codes[0], device_name="iPhone")
    assert (status, restricted["scope"]) == (200, "choose_personal_code")
