"""R-DLV4: /metrics for Prometheus — counters from every process, the queue read from the database, and never
public."""

import time
from dataclasses import replace
from ipaddress import ip_network

import pytest
from django.test import Client as HttpClient

from moncompte.outbox.models import EmailStatus, OutboundEmail
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
    assert "moncompte_outbox_pending 1.0" in text
    assert "moncompte_outbox_oldest_pending_seconds 90.0" in text
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
