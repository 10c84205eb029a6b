"""R-DLV4: one id from the web request to the email it caused and its delivery, in plain or JSON logs."""

import json
import logging
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from moncompte.core.request_context import JsonFormatter, RequestIdFilter, request_id_set
from moncompte.outbox.delivery import deliver_due
from moncompte.outbox.models import OutboundEmail
from moncompte.outbox.sink import free_port
from moncompte.outbox.transport import SmtpTransport
from tests.web.test_enrollment_pages import submit_identity

MONCOMPTE = str(Path(sys.executable).with_name("moncompte"))


def test_a_json_log_line_carries_the_request_id_and_the_error():
    record = logging.LogRecord("moncompte.outbox", logging.ERROR, __file__, 1, "courriel %s : échec", (7,), None)
    try:
        raise RuntimeError("panne")
    except RuntimeError:
        record.exc_info = sys.exc_info()
    with request_id_set("a1b2c3d4e5f6"):
        RequestIdFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "a1b2c3d4e5f6"
    assert line["message"] == "courriel 7 : échec"
    assert line["level"] == "ERROR"
    assert "RuntimeError: panne" in line["exception"]


@pytest.mark.django_db
def test_the_email_a_request_caused_is_delivered_under_that_request_s_id(client, beneficiary, smtp_sink, caplog):
    response = submit_identity(client)  # identity + CAPTCHA: the provisional code is enqueued
    assert response.status_code == 302
    request_id = response["X-Request-Id"]
    email = OutboundEmail.objects.get()
    assert email.request_id == request_id
    controller, _ = smtp_sink
    caplog.handler.addFilter(RequestIdFilter())
    with caplog.at_level(logging.INFO, logger="moncompte.outbox"):
        deliver_due(transport=SmtpTransport(host=controller.hostname, port=controller.port))
    delivered = [r for r in caplog.records if "remis" in r.getMessage()]
    assert [getattr(r, "request_id", "") for r in delivered] == [request_id]


def test_a_health_probe_answered_503_is_not_logged_as_a_server_error(client, settings, caplog, db):
    import logging

    from moncompte.outbox.sink import free_port

    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"  # readiness fails: 503
    from moncompte.web import health

    health._redis_client.cache_clear()
    try:
        with caplog.at_level(logging.ERROR, logger="django.request"):
            assert client.get("/sante/pret/").status_code == 503
            assert client.get("/page-qui-n-existe-pas/").status_code == 404
    finally:
        health._redis_client.cache_clear()
    assert not [r for r in caplog.records if r.name == "django.request" and "/sante/" in r.getMessage()]


def started_then_stopped(command: list[str], env: dict[str, str], out: Path, *, ready: Callable[[], bool]) -> None:
    """`command` run until `ready()`, then stopped by SIGTERM as systemd does; everything it wrote in `out`."""
    with out.open("w") as written:
        process = subprocess.Popen(command, env=env, stdout=written, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not ready():
            assert process.poll() is None, out.read_text()
            assert time.monotonic() < deadline, out.read_text()
            time.sleep(0.2)
    finally:
        process.terminate()
        process.wait(timeout=30)


def answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=5).close()  # noqa: S310 - http://127.0.0.1 only
    except OSError:
        return False
    return True


@pytest.mark.without_database  # its own SQLite file: the same on both passes
def test_with_json_logs_every_line_of_serve_and_worker_is_json_in_utc(tmp_path):
    env = {
        **os.environ,
        "SECRET_KEY": "k" * 50,
        "MONCOMPTE_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "MONCOMPTE_LOG_FORMAT": "json",
        "TZ": "Europe/Paris",  # a local time that is not UTC
    }
    subprocess.run([MONCOMPTE, "migrate", "-v0"], env=env, check=True)
    base = f"http://127.0.0.1:{free_port()}"
    serve = [MONCOMPTE, "serve", "--bind", base.removeprefix("http://"), "--workers", "1", "--access-log"]
    started_then_stopped(
        serve, env, tmp_path / "serve.log", ready=lambda: answers(f"{base}/informations/accessibilite/")
    )
    worker_log = tmp_path / "worker.log"
    started_then_stopped(
        [MONCOMPTE, "worker"], env, worker_log, ready=lambda: "Worker démarré" in worker_log.read_text()
    )
    for name, expected in (("serve.log", "Starting gunicorn"), ("worker.log", "Worker arrêté")):
        lines = (tmp_path / name).read_text().splitlines()
        entries = [json.loads(line) for line in lines]  # every line, gunicorn's own included
        assert all(entry["time"].endswith("+00:00") for entry in entries), lines
        assert any(entry["message"].startswith(expected) for entry in entries), lines
    served = (tmp_path / "serve.log").read_text()
    assert "GET /informations/accessibilite/" in served  # the access log too
