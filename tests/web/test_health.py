"""Issue 14: /sante/ (the process answers) and /sante/pret/ (it can serve: database, migrations, Redis, mail)."""

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import OperationalError
from django.test import Client as HttpClient

from moncompte.core import clock
from moncompte.outbox.models import OutboundEmail
from moncompte.outbox.sink import free_port
from tests.outbox.faults import DatabaseCable, database_url

pytestmark = pytest.mark.django_db
MONCOMPTE = str(Path(sys.executable).with_name("moncompte"))
ROOT = Path(__file__).resolve().parents[2]


def test_liveness_answers_without_database_session_or_cookie(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/sante/")
    assert response.status_code == 200
    assert json.loads(response.content) == {"vivant": True}
    assert not response.cookies
    assert response["Cache-Control"] == "no-store"


def test_ready_when_database_migrations_and_mail_are_fine(client):
    response = client.get("/sante/pret/")
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["pret"] is True
    assert body["verifications"] == {"base": "ok", "migrations": "ok", "courriels": "ok"}
    assert not response.cookies


def test_the_world_learns_ready_or_not_and_nothing_of_the_inside():
    response = HttpClient(REMOTE_ADDR="203.0.113.9").get("/sante/pret/")
    assert response.status_code == 200
    assert json.loads(response.content) == {"pret": True}


def old_email(*, attempts: int) -> None:
    old = clock.now() - timedelta(minutes=11)
    OutboundEmail.objects.create(
        template="provisional_code",
        to_address="a@example.fr",
        subject="s",
        created_at=old,
        next_attempt_at=old,
        attempts=attempts,
        claim=attempts,
    )


def test_not_ready_when_an_email_waits_for_its_first_attempt_too_long(client):
    old_email(attempts=0)  # no worker runs
    response = client.get("/sante/pret/")
    assert response.status_code == 503
    found = json.loads(response.content)["verifications"]["courriels"]
    assert found.startswith("un courriel attend son premier envoi depuis 11 min")


def test_an_email_the_relay_keeps_refusing_does_not_take_the_site_out(client):
    old_email(attempts=3)  # in back-off: a mail problem, for the alerts
    assert client.get("/sante/pret/").status_code == 200


@pytest.mark.parametrize(
    "failure",
    [
        ImproperlyConfigured("settings.DATABASES is improperly configured. Please supply the NAME value."),
        OperationalError("failed to resolve host 'nohost.invalid'"),
        UnicodeDecodeError("utf-8", b"\xe9", 0, 1, "invalid continuation byte"),  # a server's message in Latin-1
    ],
)
def test_any_database_failure_is_a_503_saying_what_is_wrong_and_is_logged_once(client, monkeypatch, caplog, failure):
    from django.db import connection

    from moncompte.web import health

    def failing() -> None:
        raise failure

    monkeypatch.setattr(connection, "ensure_connection", failing)
    with caplog.at_level(logging.WARNING, logger="moncompte.health"):
        monkeypatch.setattr(health, "_seconds", lambda: 1000.0)
        response = client.get("/sante/pret/")
        monkeypatch.setattr(health, "_seconds", lambda: 1002.0)  # checked again, found the same
        assert client.get("/sante/pret/").status_code == 503
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    found = json.loads(response.content)["verifications"]["base"]
    assert found == f"injoignable : {type(failure).__name__} : {failure}"
    said = [record.getMessage() for record in caplog.records if record.name == "moncompte.health"]
    assert said == [f"vérification « base » : {found}"]  # once, not at every probe


def test_a_check_that_fails_after_the_connection_is_a_finding_too(client, monkeypatch):
    from moncompte.web import health

    def failing() -> str:
        raise ImproperlyConfigured("un réglage faux")

    monkeypatch.setattr(health, "_migrations", failing)
    response = client.get("/sante/pret/")
    assert response.status_code == 503
    found = json.loads(response.content)["verifications"]["migrations"]
    assert found == "erreur : ImproperlyConfigured : un réglage faux"


def test_not_ready_when_redis_is_configured_and_does_not_answer(client, settings):
    from moncompte.web import health

    health._redis_client.cache_clear()
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    try:
        response = client.get("/sante/pret/")
    finally:
        health._redis_client.cache_clear()
    assert response.status_code == 503
    assert json.loads(response.content)["verifications"]["redis"].startswith("injoignable")


def test_health_checks_are_not_redirected_to_https(settings):
    settings.SECURE_SSL_REDIRECT = True
    assert HttpClient().get("/sante/").status_code == 200
    assert HttpClient().get("/").status_code == 301  # every other page is


# Answers may be slow while a loaded machine boots new workers (10 s seen on CI): slow is not refused.
def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - http://127.0.0.1 only
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def wait_for(url: str, status: int, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if status_of(url) == status:
                return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_ready_turns_false_when_postgresql_is_gone_and_true_again_when_it_is_back(tmp_path):
    from django.db import connection

    cable = DatabaseCable(
        host=connection.settings_dict["HOST"] or "127.0.0.1", port=int(connection.settings_dict["PORT"] or 5432)
    )
    port = free_port()
    log = tmp_path / "access.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(through=cable),
        "SECRET_KEY": "k" * 50,
        "MONCOMPTE_VAR_DIR": str(tmp_path),
    }
    with log.open("w") as out:
        server = subprocess.Popen(
            [MONCOMPTE, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--access-log"],
            env=env,
            stdout=out,
            stderr=out,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_for(f"{base}/sante/pret/", 200), log.read_text()
        cable.cut()  # PostgreSQL stopped, as the web process sees it
        assert wait_for(f"{base}/sante/pret/", 503)
        assert status_of(f"{base}/sante/") == 200  # alive all along: nothing to restart
        cable.mend()
        assert wait_for(f"{base}/sante/pret/", 200)
        assert status_of(f"{base}/informations/accessibilite/") == 200
    finally:
        server.terminate()
        server.wait(timeout=20)
        cable.close()
    written = log.read_text()
    assert "/informations/accessibilite/" in written  # the access log works...
    assert "/sante/" not in written  # ...and leaves the probes out
    assert "vérification « base » : injoignable : OperationalError" in written  # the finding is said, once
    assert "vérification « base » : ok" in written


def children_of(pid: int) -> set[int]:
    return {int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}


def liveness_of(base: str) -> dict[str, object]:
    with urllib.request.urlopen(f"{base}/sante/", timeout=30) as response:  # noqa: S310 - http://127.0.0.1 only
        answer: dict[str, object] = json.loads(response.read())
        return answer


def test_sighup_serves_the_code_installed_now_without_dropping_a_request(tmp_path):
    # The service runs from a copy of its code, which the test then changes, as an upgrade would.
    code = tmp_path / "code"
    shutil.copytree(ROOT / "moncompte", code / "moncompte", ignore=shutil.ignore_patterns("__pycache__"))
    port = free_port()
    database = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    env = {
        **os.environ,
        "PYTHONPATH": str(code),
        "SECRET_KEY": "k" * 50,
        "MONCOMPTE_VAR_DIR": str(tmp_path),
        "DATABASE_URL": database,
    }
    # From the copy's folder, as systemd's WorkingDirectory: gunicorn puts it first on the import path.
    subprocess.run([MONCOMPTE, "migrate", "-v0"], env=env, check=True, cwd=code)
    server = subprocess.Popen(
        # One worker: once it answers, it has loaded the code (a second one could still be loading it).
        [MONCOMPTE, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=env,
        cwd=code,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    answers: list[int] = []
    try:
        assert wait_for(f"{base}/sante/", 200)
        before = children_of(server.pid)
        assert len(before) == 1
        health = code / "moncompte" / "web" / "health.py"
        health.write_text(health.read_text().replace('{"vivant": True}', '{"vivant": True, "version": "nouvelle"}'))
        assert liveness_of(base) == {"vivant": True}  # installed, not yet served
        server.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 90  # new workers boot slowly on a loaded machine
        while time.monotonic() < deadline:
            answers.append(status_of(f"{base}/informations/accessibilite/"))
            now_serving = children_of(server.pid)
            if len(now_serving) == 1 and not now_serving & before:
                break
        after = children_of(server.pid)
        served = liveness_of(base)
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert len(after) == 1
    assert not after & before  # the process replaced...
    assert served == {"vivant": True, "version": "nouvelle"}  # ...by ones running the code installed now
    assert answers
    assert set(answers) == {200}  # and no request was refused meanwhile


def test_ready_answers_from_findings_at_most_one_second_old_R_OPS1(client, django_assert_num_queries, monkeypatch):
    from moncompte.web import health

    started = 1000.0
    monkeypatch.setattr(health, "_seconds", lambda: started)
    assert client.get("/sante/pret/").status_code == 200
    old_email(attempts=0)  # no worker runs from now on
    monkeypatch.setattr(health, "_seconds", lambda: started + 0.999)
    with django_assert_num_queries(0):  # a flood of probes costs the database nothing more
        for _ in range(20):
            assert client.get("/sante/pret/").status_code == 200
    monkeypatch.setattr(health, "_seconds", lambda: started + 1.0)
    response = client.get("/sante/pret/")
    assert response.status_code == 503  # one second later, checked again
    assert json.loads(response.content)["verifications"]["courriels"].startswith("un courriel attend")
