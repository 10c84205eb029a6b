"""R-A11Y6, R-API1: Redis (sessions and limits, when REDIS_URL is set) out is told as the database out is: a
French « Service momentanément indisponible » 503 with Retry-After, never a server error, and never as if the
person had signed out. The identity form keeps what was typed. The outage is real: Redis is reached through a
TCP relay that drops every connection and refuses new ones, as a stopped Redis would."""

import dataclasses
import logging
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
import redis
from django.db import connections
from django.test import Client as HttpClient
from django.urls import reverse

from moncompte.core.redis_cache import redis_cache_settings
from moncompte.core.request_context import RequestIdFilter
from tests import factories
from tests.core.test_redis_cache import FrozenRedis
from tests.factories import PERSONAL_CODE
from tests.helpers import TEST_REDIS_URL
from tests.outbox.faults import DatabaseCable
from tests.web.test_database_outage import NIR, assert_unavailable_page
from tests.web.test_enrollment_pages import TYPED, captcha_id_in, identity_page

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def redis_relayed[Relay: DatabaseCable](settings: Any, relay: type[Relay]) -> Iterator[Relay]:
    """The service's Redis (sessions and limits, as in production) reached through `relay`, closed after."""
    redis.Redis.from_url(TEST_REDIS_URL).flushdb()
    target = urlsplit(TEST_REDIS_URL)
    cable = relay(host=target.hostname or "127.0.0.1", port=target.port or 6379)
    url = f"redis://127.0.0.1:{cable.port}{target.path}"
    settings.REDIS_URL = url
    settings.CACHES = redis_cache_settings(url, timeout=settings.MONCOMPTE.redis_timeout)
    settings.SESSION_ENGINE = "moncompte.core.redis_sessions"
    yield cable
    cable.close()


@pytest.fixture
def redis_cable(settings) -> Iterator[DatabaseCable]:
    """The service's Redis reached through a relay the test can cut and mend."""
    yield from redis_relayed(settings, DatabaseCable)


def test_a_signed_in_page_is_a_503_while_redis_is_out_and_the_person_is_still_signed_in_after_R_A11Y6(
    redis_cable, code_sent, now, traveller
):
    factories.active(code_sent, now)
    browser = HttpClient(raise_request_exception=False)
    assert browser.post(reverse("web:sign_in"), {"nir": NIR, "code": PERSONAL_CODE}).status_code == 302
    assert browser.get(reverse("web:account")).status_code == 200

    redis_cable.cut()
    answer = browser.get(reverse("web:account"))
    assert_unavailable_page(answer)  # not a redirection to the sign-in page: the session is not lost, only out of reach
    assert "Location" not in answer

    redis_cable.mend()
    assert browser.get(reverse("web:account")).status_code == 200


def test_the_sign_in_form_keeps_the_nir_but_not_the_code_while_redis_is_out_R_A11Y6(
    redis_cable, code_sent, now, traveller
):
    factories.active(code_sent, now)
    redis_cable.cut()
    browser = HttpClient(raise_request_exception=False)
    answer = browser.post(reverse("web:sign_in"), {"nir": NIR, "code": PERSONAL_CODE})
    page = answer.content.decode()
    assert (answer.status_code, answer["Retry-After"]) == (503, "30")
    assert "Ce que vous avez saisi est conservé ci-dessous" in page
    assert f'value="{NIR}"' in page
    assert PERSONAL_CODE not in page  # a secret is never written back into a page


def test_the_code_forgot_form_keeps_what_was_typed_while_redis_is_out_R_A11Y6(
    redis_cable, client, code_sent, now, traveller
):
    factories.active(code_sent, now)
    shown = captcha_id_in(client.get(reverse("web:code_forgot")))
    redis_cable.cut()
    typed = {"nir": NIR, "birth_date": "03/05/1984", "captcha_id": shown, "captcha_answer": "ABCDEF"}
    answer = client.post(reverse("web:code_forgot"), typed)
    page = answer.content.decode()
    assert (answer.status_code, answer["Retry-After"]) == (503, "30")
    assert "Ce que vous avez saisi est conservé ci-dessous" in page
    assert f'value="{NIR}"' in page
    assert 'value="03/05/1984"' in page


def test_the_identity_form_keeps_what_was_typed_while_redis_is_out_and_goes_through_once_it_is_back_R_A11Y6(
    redis_cable, client, beneficiary, traveller
):
    shown = captcha_id_in(identity_page(client))
    redis_cable.cut()
    typed = {**TYPED, "captcha_id": shown, "captcha_answer": "ABCDEF"}
    answer = client.post(reverse("web:identity"), typed)
    page = answer.content.decode()
    assert (answer.status_code, answer["Retry-After"]) == (503, "30")
    assert "Le service est momentanément indisponible" in page
    assert "Ce que vous avez saisi est conservé" in page
    for field in ("nir", "birth_date", "postal_code", "email"):
        assert f'value="{TYPED[field]}"' in page
    assert 'name="captcha_id"' not in page  # no challenge can be made without the limits: none is shown
    # Nothing to correct: no error summary, no « Erreur » in the title, one alert announced (the outage's).
    assert "Veuillez corriger" not in page
    assert "<title>Erreur" not in page
    assert page.count('role="alert"') == 1

    redis_cable.mend()
    again = client.post(reverse("web:identity"), {**TYPED})  # what the page kept, sent again
    assert again.status_code == 200
    again_page = again.content.decode()
    assert 'name="captcha_id"' in again_page  # a new challenge, the typed values still there
    assert f'value="{TYPED["email"]}"' in again_page


def test_the_api_answers_a_503_problem_while_redis_is_out_R_API1(redis_cable, code_sent, now, traveller):
    factories.active(code_sent, now)
    redis_cable.cut()
    app = HttpClient(raise_request_exception=False)
    answer = app.post("/api/v1/sessions", {"nir": NIR, "code": PERSONAL_CODE}, content_type="application/json")
    assert (answer.status_code, answer["Content-Type"], answer["Retry-After"]) == (
        503,
        "application/problem+json",
        "30",
    )
    assert answer.json()["code"] == "service_unavailable"


def test_a_redis_that_accepts_and_never_answers_is_a_503_after_redis_timeout_not_a_held_page_R_A11Y6_F5(
    settings, client, beneficiary, traveller
):
    """The connection is taken and nothing ever answers: a Redis frozen, or a network that drops the replies."""
    settings.MONCOMPTE = dataclasses.replace(settings.MONCOMPTE, redis_timeout=timedelta(milliseconds=300))
    frozen = FrozenRedis()
    try:
        url = f"redis://127.0.0.1:{frozen.port}/0"
        settings.REDIS_URL = url
        settings.CACHES = redis_cache_settings(url, timeout=settings.MONCOMPTE.redis_timeout)
        settings.SESSION_ENGINE = "moncompte.core.redis_sessions"
        typed = {**TYPED, "captcha_id": "x", "captcha_answer": "ABCDEF"}
        started = time.monotonic()
        with ThreadPoolExecutor(1) as waiting:
            answer = waiting.submit(_posted_then_closed, client, reverse("web:identity"), typed).result(timeout=30)
        waited = time.monotonic() - started
    finally:
        frozen.close()
    assert answer.status_code == 503
    # The setting, not redis-py's own 5 s (each call waits that long without it): a page held seconds per call.
    assert waited < 4.5
    # F5: one wait for the whole page; the commands the request still tried (its limits, its CAPTCHA page, each
    # on a pool of its own) failed at once, without a connection of their own to wait on.
    assert len(frozen.taken) == 1
    assert f'value="{TYPED["email"]}"' in answer.content.decode()


def _posted_then_closed(client: HttpClient, path: str, data: dict[str, str]) -> Any:
    """The request in a thread of its own (the test fails rather than hang), which closes its database
    connection as a server's thread does when the request ends."""
    try:
        return client.post(path, data)
    finally:
        connections.close_all()


def test_signing_out_while_redis_is_out_makes_the_browser_forget_its_session_R_SEC3(
    redis_cable, code_sent, now, traveller
):
    """On a shared computer, « Se déconnecter » during the outage must not leave the session to be found again
    by the next person once Redis is back."""
    factories.active(code_sent, now)
    browser = HttpClient(raise_request_exception=False)
    assert browser.post(reverse("web:sign_in"), {"nir": NIR, "code": PERSONAL_CODE}).status_code == 302
    redis_cable.cut()
    assert_unavailable_page(browser.post(reverse("web:sign_out")))
    redis_cable.mend()
    assert browser.get(reverse("web:account"))["Location"].startswith(reverse("web:sign_in"))


@contextmanager
def django_request_lines() -> Iterator[list[logging.LogRecord]]:
    """What Django's `django.request` logger lets through its filters (settings.LOGGING), as its handler sees it."""
    lines: list[logging.LogRecord] = []

    class Catcher(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record)

    catcher = Catcher()
    catcher.addFilter(RequestIdFilter())  # as the console handler of settings.LOGGING
    logger = logging.getLogger("django.request")
    logger.addHandler(catcher)
    try:
        yield lines
    finally:
        logger.removeHandler(catcher)


def test_an_outage_s_503_is_one_warning_line_with_its_cause_never_a_traceback_F8(redis_cable, code_sent, now):
    factories.active(code_sent, now)
    browser = HttpClient(raise_request_exception=False)
    assert browser.post(reverse("web:sign_in"), {"nir": NIR, "code": PERSONAL_CODE}).status_code == 302
    redis_cable.cut()
    with django_request_lines() as lines:
        out = browser.get(reverse("web:account"))  # reached the 503 page (server_error)
        kept = browser.post(reverse("web:sign_in"), {"nir": NIR, "code": PERSONAL_CODE})  # the form kept
    assert (out.status_code, kept.status_code) == (503, 503)
    account, sign_in = lines
    # Each line carries its request's id, the one its page shows, to be found with the outage's cause.
    assert [getattr(line, "request_id", None) for line in lines] == [out["X-Request-Id"], kept["X-Request-Id"]]
    assert [(line.levelname, line.exc_info) for line in lines] == [("WARNING", None), ("WARNING", None)]
    assert account.getMessage().startswith(
        f"Service Unavailable: {reverse('web:account')} (service indisponible : ConnectionError ("
    )
    assert sign_in.getMessage() == f"Service Unavailable: {reverse('web:sign_in')}"  # its cause: the line before
