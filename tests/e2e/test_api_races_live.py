"""Issue 21, point 11, end to end (R-API2, R-CODE4, R-LIM5): a real `moncompte serve` with two processes on
PostgreSQL, the app's requests sent twice at the same instant on two connections, as a double tap or a retry
does: each pair of requests gets one answer, and the app stays signed in."""

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from moncompte.accounts.models import Account
from moncompte.appsessions.models import AppSession
from tests import factories
from tests.e2e.live import Visitor, served
from tests.factories import PERSONAL_CODE

pytestmark = pytest.mark.postgresql
NIR = "2 84 05 88 321 025 32"
PHONE = "192.0.2.10"


@pytest.fixture
def now() -> datetime:
    """The real clock's: the server's codes and tokens are checked against it."""
    return datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def port(tmp_path: Path, transactional_db) -> Iterator[int]:
    with served(tmp_path / "var") as port:
        yield port


def together(first: Callable[[], Any], second: Callable[[], Any]) -> tuple[Any, Any]:
    """Both requests released at the same instant, each on its own connection (the server's two processes)."""
    barrier, answers = threading.Barrier(2), list[Any]([None, None])

    def run(index: int, request: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            answers[index] = request()
        except Exception as error:  # said in the test's failure, not lost in a thread
            answers[index] = (None, repr(error))

    threads = [threading.Thread(target=run, args=(n, request)) for n, request in enumerate((first, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers[0], answers[1]


def warmed(app: Visitor) -> Visitor:
    """Both server processes past their first request (its lazy loading takes a few hundred milliseconds, long
    enough to let the other request finish first): the race tested is the requests', not the start-up's."""
    for _ in range(3):
        together(lambda: app.api("GET", "/account"), lambda: app.api("GET", "/account"))
    return app


def test_a_double_submitted_personal_code_gives_both_the_same_pair_that_keeps_working_R_CODE4_R_API2(port, code_sent):
    app = warmed(Visitor(port, PHONE))
    status, body = app.api("POST", "/sessions", nir=NIR, code=code_sent.clear, device_name="iPhone")
    assert (status, body["scope"]) == (200, "choose_personal_code")
    choose = {"password": PERSONAL_CODE, "confirmation": PERSONAL_CODE}
    (first_status, first), (second_status, second) = together(
        lambda: app.api("POST", "/personal-code", body["access_token"], **choose),
        lambda: app.api("POST", "/personal-code", body["access_token"], **choose),
    )
    assert (first_status, second_status) == (200, 200), (first, second)
    assert (first["access_token"], first["refresh_token"]) == (second["access_token"], second["refresh_token"])
    assert first["device_token"] == second["device_token"] is not None  # one device token too (R-LIM8)
    assert app.api("GET", "/sessions", first["access_token"])[0] == 200  # never stuck: the pair given works
    assert app.api("POST", "/sessions/refresh", refresh_token=first["refresh_token"])[0] == 200
    assert Account.objects.get().session_epoch == 1  # one personal code chosen, not two (R-LIM5)
    assert AppSession.objects.filter(revoked_at=None).count() == 1


def test_a_refresh_sent_twice_at_once_gets_the_same_pair_twice_and_stays_signed_in_R_API2(port, code_sent, now):
    factories.active(code_sent, now)
    app = warmed(Visitor(port, PHONE))
    status, pair = app.api("POST", "/sessions", nir=NIR, code=PERSONAL_CODE, device_name="iPhone")
    assert status == 200
    for _ in range(3):  # a few rounds: the window of a refresh is short (no Argon2 in it)
        refresh = pair["refresh_token"]
        (first_status, first), (second_status, second) = together(
            lambda: app.api("POST", "/sessions/refresh", refresh_token=refresh),  # noqa: B023 - joined in the round
            lambda: app.api("POST", "/sessions/refresh", refresh_token=refresh),  # noqa: B023
        )
        assert (first_status, second_status) == (200, 200), (first, second)
        assert (first["access_token"], first["refresh_token"]) == (second["access_token"], second["refresh_token"])
        assert app.api("GET", "/account", first["access_token"])[0] == 200
        pair = first
    assert AppSession.objects.filter(revoked_at=None).count() == 1
