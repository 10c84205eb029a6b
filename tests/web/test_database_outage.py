"""R-A11Y6, R-API1: while the database does not answer, every page is a French « Service momentanément
indisponible » 503 and every API call an RFC 9457 problem with the same status, both with Retry-After; never a
server error. The outage is real: the connection goes to a closed port (PostgreSQL) or to a file that cannot be
opened (SQLite), and the service comes back by itself once the database answers again."""

import dataclasses
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.urls import reverse

from moncompte.outbox.sink import free_port
from tests import factories
from tests.factories import PERSONAL_CODE
from tests.web.test_enrollment_pages import TYPED, captcha_id_in, identity_page

NIR = "2 84 05 88 321 025 32"
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def database_out(tmp_path) -> Iterator[Callable[[], None]]:
    """Cuts the database when called: the open connection is closed, and the next one goes nowhere."""
    kept = dict(connection.settings_dict)

    def cut() -> None:
        connection.close()
        if connection.vendor == "postgresql":
            connection.settings_dict.update(HOST="127.0.0.1", PORT=str(free_port()))
        else:
            connection.settings_dict["NAME"] = str(tmp_path / "absent" / "base.sqlite3")

    yield cut
    connection.close()
    connection.settings_dict.clear()
    connection.settings_dict.update(kept)


@pytest.fixture
def signed_in_browser(code_sent, now) -> HttpClient:
    factories.active(code_sent, now)
    browser = HttpClient(raise_request_exception=False)
    assert browser.post(reverse("web:sign_in"), {"nir": NIR, "code": PERSONAL_CODE}).status_code == 302
    return browser


def assert_unavailable_page(answer) -> None:
    page = answer.content.decode()
    assert answer.status_code == 503
    assert answer["Retry-After"] == "30"
    assert '<html lang="fr">' in page
    assert "<h1>Service momentanément indisponible</h1>" in page
    assert answer["X-Request-Id"] in page


def test_pages_say_the_service_is_unavailable_for_a_moment_while_the_database_is_out_R_A11Y6(
    signed_in_browser, database_out, traveller
):
    database_out()
    assert_unavailable_page(signed_in_browser.get(reverse("web:account")))  # the session is in the database
    form_again = signed_in_browser.post(reverse("web:sign_in"), {"nir": NIR, "code": PERSONAL_CODE})
    assert (form_again.status_code, form_again["Retry-After"]) == (503, "30")  # the sign-in form, the NIR kept
    assert f'value="{NIR}"' in form_again.content.decode()


def test_the_api_answers_a_503_problem_while_the_database_is_out_R_API1(code_sent, now, database_out, settings):
    settings.MONCOMPTE = dataclasses.replace(settings.MONCOMPTE, outage_retry_after=timedelta(minutes=2))
    app = HttpClient(raise_request_exception=False)
    factories.active(code_sent, now)
    database_out()
    for answer in (
        app.post("/api/v1/sessions", {"nir": NIR, "code": PERSONAL_CODE}, content_type="application/json"),
        app.get("/api/v1/account", HTTP_AUTHORIZATION="Bearer mca_quelconque"),
    ):
        assert (answer.status_code, answer["Content-Type"], answer["Retry-After"]) == (
            503,
            "application/problem+json",
            "120",
        )
        assert answer.json()["code"] == "service_unavailable"
        assert answer.json()["detail"].startswith("Le service est momentanément indisponible")


def test_the_service_answers_again_once_the_database_is_back_R_A11Y6(signed_in_browser, database_out):
    kept = dict(connection.settings_dict)
    database_out()
    assert signed_in_browser.get(reverse("web:account")).status_code == 503
    connection.close()
    connection.settings_dict.update(kept)
    assert signed_in_browser.get(reverse("web:account")).status_code == 200


@pytest.mark.postgresql
def test_a_connection_cut_between_requests_is_a_503_and_the_next_one_after_it_mends_is_served_R_A11Y6(
    signed_in_browser,
):
    """The proxy of tests/outbox/faults.py drops the open connection and refuses new ones, as a stopped or
    restarted PostgreSQL would."""
    from tests.outbox.faults import DatabaseCable

    kept = dict(connection.settings_dict)
    cable = DatabaseCable(host=kept["HOST"] or "127.0.0.1", port=int(kept["PORT"] or 5432))
    try:
        connection.close()
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(cable.port))
        assert signed_in_browser.get(reverse("web:account")).status_code == 200  # through the cable
        cable.cut()
        assert_unavailable_page(signed_in_browser.get(reverse("web:account")))
        cable.mend()
        # A server's request_started closes a connection that failed (close_old_connections); the test client
        # does not send that signal, so the test does what it would.
        connection.close_if_unusable_or_obsolete()
        assert signed_in_browser.get(reverse("web:account")).status_code == 200
    finally:
        connection.close()
        connection.settings_dict.update(kept)
        cable.close()


def test_the_identity_form_keeps_what_was_typed_while_the_database_is_out_R_A11Y6(client, beneficiary, database_out):
    shown = captcha_id_in(identity_page(client))
    database_out()
    answer = client.post(reverse("web:identity"), {**TYPED, "captcha_id": shown, "captcha_answer": "ABCDEF"})
    page = answer.content.decode()
    assert (answer.status_code, answer["Retry-After"]) == (503, "30")
    assert "Ce que vous avez saisi est conservé ci-dessous" in page
    assert all(f'value="{TYPED[field]}"' in page for field in ("nir", "birth_date", "postal_code", "email"))


def test_the_internal_api_answers_a_503_problem_while_the_database_is_out_R_API1_R_MSG8(db, database_out):
    database_out()
    answer = HttpClient(raise_request_exception=False).post(
        "/api/interne/v1/messages", {}, content_type="application/json", HTTP_AUTHORIZATION="Bearer mcs_quelconque"
    )
    assert (answer.status_code, answer["Content-Type"], answer["Retry-After"]) == (
        503,
        "application/problem+json",
        "30",
    )
    assert answer.json()["code"] == "service_unavailable"


def the_outage_line(caplog: pytest.LogCaptureFixture) -> str:
    """The one line the outage left in the log: a single record, without a traceback."""
    (record,) = [r for r in caplog.records if r.name == "moncompte.core.outage"]
    assert record.exc_info is None  # one line per request, not a traceback
    return record.getMessage()


def test_a_form_kept_while_the_database_is_out_leaves_one_warning_with_the_cause_and_nothing_typed(
    code_sent, now, database_out, caplog
):
    factories.active(code_sent, now)
    browser = HttpClient(raise_request_exception=False)
    database_out()
    with caplog.at_level("WARNING", logger="moncompte.core.outage"):
        answer = browser.post(reverse("web:sign_in"), {"nir": NIR, "code": PERSONAL_CODE})
    assert answer.status_code == 503
    line = the_outage_line(caplog)
    assert line.startswith("service indisponible, formulaire gardé : OperationalError (")
    assert NIR.replace(" ", "") not in line.replace(" ", "")
    assert PERSONAL_CODE not in line


def test_an_api_call_answered_503_while_the_database_is_out_leaves_one_warning_with_the_cause_R_API1(
    code_sent, now, database_out, caplog
):
    factories.active(code_sent, now)
    app = HttpClient(raise_request_exception=False)
    database_out()
    with caplog.at_level("WARNING", logger="moncompte.core.outage"):
        answer = app.post("/api/v1/sessions", {"nir": NIR, "code": PERSONAL_CODE}, content_type="application/json")
    assert answer.status_code == 503
    line = the_outage_line(caplog)
    assert line.startswith("service indisponible, réponse de l'API : OperationalError (")
    assert PERSONAL_CODE not in line
