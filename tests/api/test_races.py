"""R-API2, R-LIM5, R-CODE4: requests that race each other, with real concurrency (threads, each with its own
database connection; PostgreSQL and SQLite): a double submit of the personal code, two changes of the personal
code at once from the web and the app, a refresh sent twice. Each ends with one outcome and an app that stays
signed in."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.urls import reverse

from moncompte.accounts import passwords
from moncompte.accounts.models import Account
from moncompte.appsessions.models import AppSession
from tests import factories
from tests.factories import PERSONAL_CODE

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("traveller")]
NIR = "2 84 05 88 321 025 32"
NEW_CODES = {"web": "Nouveau-Code-Web-2027!", "app": "Nouveau-Code-App-2027!"}


def together(**requests: Callable[[], Any]) -> dict[str, Any]:
    """Runs the requests in threads released at the same instant; what each returned (or raised)."""
    barrier, answers = threading.Barrier(len(requests)), {}

    def run(name: str, request: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            answers[name] = request()
        except Exception as error:
            answers[name] = repr(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in requests.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


def api(method: str, path: str, token: str = "", **body: Any) -> tuple[int, Any]:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    answer = getattr(HttpClient(), method)(f"/api/v1{path}", body, content_type="application/json", **headers)
    return answer.status_code, answer.json() if answer.content else None


def test_a_double_submitted_personal_code_gives_both_the_same_pair_that_keeps_working_R_CODE4_R_API2(code_sent):
    _, body = api("post", "/sessions", nir=NIR, code=code_sent.clear)
    restricted = body["access_token"]
    choose = {"password": PERSONAL_CODE, "confirmation": PERSONAL_CODE}
    answers = together(
        first=lambda: api("post", "/personal-code", restricted, **choose),
        second=lambda: api("post", "/personal-code", restricted, **choose),
    )
    (first_status, first), (second_status, second) = answers["first"], answers["second"]
    assert (first_status, second_status) == (200, 200)
    assert (first["access_token"], first["refresh_token"]) == (second["access_token"], second["refresh_token"])
    assert first["device_token"] == second["device_token"] is not None  # one device token too (R-LIM8)
    assert api("get", "/sessions", first["access_token"])[0] == 200  # never stuck: the pair given works
    assert api("post", "/sessions/refresh", refresh_token=first["refresh_token"])[0] == 200
    assert Account.objects.get().session_epoch == 1  # one personal code chosen, not two
    assert AppSession.objects.filter(revoked_at=None).count() == 1


def test_a_personal_code_retried_by_the_same_client_gets_the_same_pair_and_from_elsewhere_nothing_R_API2(code_sent):
    _, body = api("post", "/sessions", nir=NIR, code=code_sent.clear)
    choose = {"password": PERSONAL_CODE, "confirmation": PERSONAL_CODE}
    status, first = api("post", "/personal-code", body["access_token"], **choose)
    assert status == 200
    status, again = api("post", "/personal-code", body["access_token"], **choose)  # its answer was lost
    assert status == 200
    assert (again["access_token"], again["refresh_token"]) == (first["access_token"], first["refresh_token"])
    assert again["device_token"] == first["device_token"] is not None  # the same device token again (R-LIM8)
    elsewhere = HttpClient(REMOTE_ADDR="198.51.100.66", HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    answer = elsewhere.post("/api/v1/personal-code", choose, content_type="application/json")
    assert (answer.status_code, answer.json()["code"]) == (401, "token_refused")
    assert api("get", "/sessions", first["access_token"])[0] == 200


def test_a_restricted_token_already_spent_with_another_code_opens_nothing_R_CODE4(code_sent):
    _, body = api("post", "/sessions", nir=NIR, code=code_sent.clear)
    restricted = body["access_token"]
    assert api("post", "/personal-code", restricted, password=PERSONAL_CODE, confirmation=PERSONAL_CODE)[0] == 200
    other = "Un-Autre-Code-2027!"
    status, problem = api("post", "/personal-code", restricted, password=other, confirmation=other)
    assert (status, problem["code"]) == (401, "token_refused")
    assert passwords.verify(Account.objects.get().password_hash, PERSONAL_CODE)


def test_two_personal_code_changes_at_once_from_the_web_and_the_app_one_wins_R_LIM5(code_sent, now):
    factories.active(code_sent, now)
    browser = HttpClient()
    browser.post(reverse("web:sign_in"), {"nir": NIR, "code": PERSONAL_CODE})
    _, pair = api("post", "/sessions", nir=NIR, code=PERSONAL_CODE)

    def web() -> int:
        code = NEW_CODES["web"]
        data = {"current_password": PERSONAL_CODE, "password": code, "confirmation": code}
        return browser.post(reverse("web:password_change"), data).status_code

    def app() -> int:
        code = NEW_CODES["app"]
        body = {"current_password": PERSONAL_CODE, "password": code, "confirmation": code}
        return api("post", "/account/personal-code", pair["access_token"], **body)[0]

    answers = together(web=web, app=app)
    won = {"web": answers["web"] == 302, "app": answers["app"] == 200}
    assert sorted(won.values()) == [False, True], answers  # one change goes through, the other is refused
    assert (answers["web"], answers["app"]) in {(302, 400), (200, 200)}, answers  # the loser's form or problem
    winner = next(name for name, ok in won.items() if ok)
    stored = Account.objects.get().password_hash
    assert passwords.verify(stored, NEW_CODES[winner])


def test_a_refresh_sent_twice_at_once_gets_the_same_pair_twice_and_stays_signed_in_R_API2(code_sent, now):
    factories.active(code_sent, now)
    _, pair = api("post", "/sessions", nir=NIR, code=PERSONAL_CODE)
    answers = together(
        first=lambda: api("post", "/sessions/refresh", refresh_token=pair["refresh_token"]),
        second=lambda: api("post", "/sessions/refresh", refresh_token=pair["refresh_token"]),
    )
    (first_status, first), (second_status, second) = answers["first"], answers["second"]
    assert (first_status, second_status) == (200, 200), answers
    assert first["refresh_token"] == second["refresh_token"]
    assert api("get", "/account", first["access_token"])[0] == 200
