"""R-DLV4: /metrics for Prometheus — counters from every process, the queue read from the database, and never
public."""

import os
import subprocess
import sys
import time
from dataclasses import replace
from ipaddress import ip_network
from types import SimpleNamespace
from unittest import mock

import pytest
from django.http import HttpResponse
from django.test import Client as HttpClient
from django.test import RequestFactory
from prometheus_client import CollectorRegistry, multiprocess
from prometheus_client.parser import text_string_to_metric_families

from moncompte.config import launcher
from moncompte.core import metrics
from moncompte.outbox.models import EmailStatus, OutboundEmail
from moncompte.web import gunicorn_conf, health, request_metrics
from tests.outbox.faults import Workers, database_url, slow_sink_start
from tests.outbox.test_delivery import queue_code_email

pytestmark = pytest.mark.django_db


def scrape(**meta):
    response = HttpClient().get("/metrics", **meta)
    return response.status_code, response.content.decode()


def test_the_queue_depth_and_age_are_read_from_the_database_R_DLV4(now, traveller):
    queue_code_email(now)
    traveller.shift(90)
    status, text = scrape(REMOTE_ADDR="127.0.0.1")
    assert status == 200
    assert 'moncompte_outbox_pending{lane="codes_liens"} 1.0' in text
    assert 'moncompte_outbox_oldest_pending_seconds{lane="codes_liens"} 90.0' in text
    assert 'moncompte_outbox_pending{lane="notifications"} 0.0' in text  # R-DLV5: each lane on its own
    assert 'moncompte_emails_enqueued_total{provider="autres",template="provisional_code"}' in text


def test_metrics_are_not_public_R_DLV4(settings):
    assert scrape(REMOTE_ADDR="203.0.113.9")[0] == 404
    settings.MONCOMPTE = replace(settings.MONCOMPTE, metrics_token="jeton-de-supervision-assez-long")
    assert scrape(REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer mauvais")[0] == 404
    assert scrape(REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer jeton-de-supervision-assez-long")[0] == 200


def test_a_request_relayed_by_a_proxy_is_judged_by_the_client_behind_it(settings):
    # nginx on the same machine, not declared: the public client behind it must not pass for a local one
    assert scrape(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.4")[0] == 404
    settings.TRUSTED_PROXIES = [ip_network("127.0.0.1/32")]
    assert scrape(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.4")[0] == 404
    # a declared proxy that writes nothing usable leaves its own address: that is no entry either
    assert scrape(REMOTE_ADDR="127.0.0.1")[0] == 404
    assert scrape(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.1, unix:")[0] == 404


@pytest.mark.django_db(transaction=True)
def test_counts_made_by_a_worker_process_are_served_by_the_web_process_R_DLV4(tmp_path, monkeypatch, now, settings):
    shared = tmp_path / "metrics"
    shared.mkdir()
    for index in range(3):
        queue_code_email(now, to=f"p{index}@orange.fr")
    sink = slow_sink_start(tmp_path / "mailbox", delay=0)
    log = tmp_path / "worker.log"
    shared_env = {"PROMETHEUS_MULTIPROC_DIR": str(shared)}
    workers = Workers.start(1, db_url=database_url(), smtp_port=sink.port, log=log, env=shared_env)
    try:
        for _ in range(100):
            if not OutboundEmail.objects.exclude(status=EmailStatus.SENT).exists():
                break
            time.sleep(0.1)
    finally:
        workers.terminate()
        sink.stop()
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(shared))  # read by prometheus_client itself
    settings.PROMETHEUS_MULTIPROC_DIR = str(shared)
    status, text = scrape(REMOTE_ADDR="127.0.0.1")
    assert status == 200, log.read_text()
    assert 'moncompte_emails_delivered_total{provider="orange",template="provisional_code"} 3.0' in text
    assert 'moncompte_email_delivery_seconds_count{template="provisional_code"} 3.0' in text


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one series in a scrape, 0.0 when it is absent."""
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and found.labels == labels:
                return float(found.value)
    return 0.0


def test_requests_are_counted_by_route_name_and_status_never_by_path_R_DLV4():
    before = scrape(REMOTE_ADDR="127.0.0.1")[1]
    HttpClient().get("/email/jeton-secret-de-lien-123/")
    HttpClient().get("/chemin-que-nul-ne-sert/")
    text = scrape(REMOTE_ADDR="127.0.0.1")[1]
    link = {"route": "web:email_link", "method": "GET", "status": "200"}
    counted = "moncompte_http_requests_total"
    assert sample(text, counted, **link) == sample(before, counted, **link) + 1
    unmatched = {"route": "unmatched", "method": "GET", "status": "404"}
    assert sample(text, counted, **unmatched) == sample(before, counted, **unmatched) + 1
    assert "jeton-secret" not in text
    assert "chemin-que-nul" not in text
    duration = "moncompte_http_request_duration_seconds_count"
    assert sample(text, duration, route="web:email_link") == sample(before, duration, route="web:email_link") + 1


def test_labels_come_from_fixed_sets_whatever_the_client_sends_R_DLV4():
    request = RequestFactory().generic("PROPFIND", "/x")
    assert request_metrics.method_of(request) == "other"
    assert request_metrics.status_of(429) == "429"
    assert request_metrics.status_of(418) == "4xx"
    assert request_metrics.status_of(599) == "5xx"
    assert request_metrics.route_of(RequestFactory().get("/static/web/site.css")) == "static"


def test_a_request_is_in_flight_while_it_is_served_and_no_longer_after_R_DLV4():
    gauge = metrics.http_requests_in_flight
    seen = []

    def view(request):
        seen.append(gauge._value.get())
        return HttpResponse("ok")

    idle = gauge._value.get()
    request_metrics.request_metrics(view)(RequestFactory().get("/"))
    assert seen == [idle + 1]
    assert gauge._value.get() == idle

    def failing(request):
        raise RuntimeError("panne")

    with pytest.raises(RuntimeError):
        request_metrics.request_metrics(failing)(RequestFactory().get("/"))
    assert gauge._value.get() == idle


def test_a_web_process_that_died_serving_a_request_leaves_none_in_flight_R_DLV4(tmp_path):
    # A gunicorn worker killed mid-request (timeout, OOM) never ran its `finally`: the master drops its files.
    child = subprocess.run(
        [sys.executable, "-c", DIES_IN_FLIGHT],
        env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    pid = int(child.stdout)
    assert in_flight_in(tmp_path) == 1.0, child.stderr
    with mock.patch.dict(os.environ, {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}):
        gunicorn_conf.child_exit(None, SimpleNamespace(pid=pid))
    assert in_flight_in(tmp_path) == 0.0


DIES_IN_FLIGHT = """
import os
from moncompte.config import launcher
from moncompte.core import metrics
metrics.http_requests_in_flight.inc()
print(os.getpid(), flush=True)
os._exit(0)
"""


COUNTS_THEN_EXITS = """
import os
from moncompte.config import launcher
from moncompte.core import metrics
metrics.http_requests.labels(route="web:home", method="GET", status="200").inc()
metrics.http_requests_in_flight.inc()
os._exit(0)
"""


def test_the_counts_of_a_process_that_ended_stay_in_the_totals_when_serve_starts_again_R_DLV4(
    tmp_path, monkeypatch, settings
):
    # A web process of an earlier `serve` (or one replaced at a SIGHUP) counted a request, then ended.
    shared = tmp_path / "metrics"
    shared.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(shared)}
    subprocess.run([sys.executable, "-c", COUNTS_THEN_EXITS], env=env, check=True)
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    monkeypatch.setenv("MONCOMPTE_VAR_DIR", str(tmp_path))
    launcher.metrics_directory("serve")  # what `moncompte serve` does before gunicorn starts
    assert os.environ["PROMETHEUS_MULTIPROC_DIR"] == str(shared)
    settings.PROMETHEUS_MULTIPROC_DIR = str(shared)
    text = scrape(REMOTE_ADDR="127.0.0.1")[1]
    # A counter never goes back: Prometheus would read a drop as a reset and count everything again.
    assert sample(text, "moncompte_http_requests_total", route="web:home", method="GET", status="200") == 1.0
    assert in_flight_in(shared) == 0.0  # only its live gauge is gone


def in_flight_in(directory) -> float:
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(directory))
    return registry.get_sample_value("moncompte_http_requests_in_flight") or 0.0


def test_each_readiness_check_is_served_as_a_gauge_R_DLV4(monkeypatch):
    text = scrape(REMOTE_ADDR="127.0.0.1")[1]
    assert sample(text, "moncompte_ready", check="base") == 1.0
    monkeypatch.setattr(health, "_migrations", lambda: "2 migration(s) non appliquée(s) : moncompte migrate")
    text = scrape(REMOTE_ADDR="127.0.0.1")[1]
    assert sample(text, "moncompte_ready", check="migrations") == 0.0
    assert sample(text, "moncompte_ready", check="base") == 1.0


def test_metrics_answer_without_the_database_saying_it_is_out_never_a_500_R_OPS2(monkeypatch, caplog):
    """The database unreachable (as tests/web/test_health.py simulates it): the processes' counters and the
    readiness gauges are served, the series read from the database left out (a scrape with the database served them
    all: test_the_queue_depth_and_age_are_read_from_the_database_R_DLV4)."""
    from django.db import OperationalError, connection

    def failing() -> None:
        raise OperationalError("connection to server at 127.0.0.1, port 5432 failed: Connection refused")

    monkeypatch.setattr(health, "_seconds", lambda: 5000.0)
    monkeypatch.setattr(connection, "ensure_connection", failing)
    with caplog.at_level("WARNING", logger="moncompte.metrics"):
        status, text = scrape(REMOTE_ADDR="127.0.0.1")
    assert status == 200
    assert 'moncompte_ready{check="base"} 0.0' in text
    assert "# TYPE moncompte_http_requests_total counter" in text  # the processes' own counters
    assert "moncompte_outbox_pending" not in text
    assert "moncompte_attack_mode{" not in text
    assert any("base injoignable" in record.getMessage() for record in caplog.records)
