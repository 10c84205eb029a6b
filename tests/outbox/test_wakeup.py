"""An email committed wakes the worker at once (issue 13: mail in milliseconds); the poll stays the safety net."""

import threading
import time
from dataclasses import replace

import psycopg
import pytest
from django.db import connection, connections, transaction

from moncompte.outbox import worker
from moncompte.outbox.models import EmailStatus, OutboundEmail
from moncompte.outbox.transport import SmtpTransport
from moncompte.outbox.wakeup import CHANNEL, Waiter, listening
from tests.outbox.test_delivery import queue_code_email

pytestmark = pytest.mark.django_db(transaction=True)
POLL = 30.0  # far longer than the test waits: only a wake-up can deliver in time


def test_a_committed_email_is_delivered_long_before_the_next_poll(smtp_sink, settings, now):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, outbox_idle_poll_seconds=POLL)
    controller, _ = smtp_sink
    stop = threading.Event()
    thread = threading.Thread(
        target=worker.run,
        kwargs={"stop": stop, "transport": SmtpTransport(host=controller.hostname, port=controller.port)},
    )
    thread.start()
    try:
        time.sleep(0.5)  # the worker found nothing and waits for its next poll
        email = queue_code_email(now)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and OutboundEmail.objects.get(pk=email.pk).status != EmailStatus.SENT:
            time.sleep(0.05)
        assert OutboundEmail.objects.get(pk=email.pk).status == EmailStatus.SENT
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()


def _listener() -> psycopg.Connection:
    params = connections["default"].get_connection_params()
    listener = psycopg.connect(**params, autocommit=True)
    listener.execute(f"LISTEN {CHANNEL}")
    return listener


@pytest.mark.postgresql
def test_postgresql_tells_other_processes_only_once_the_email_is_committed(now):
    listener = _listener()
    try:
        with transaction.atomic():
            queue_code_email(now)
            assert list(listener.notifies(timeout=0.3, stop_after=1)) == []  # not before the commit
        assert len(list(listener.notifies(timeout=2, stop_after=1))) == 1
    finally:
        listener.close()


def seconds_to_wake_on_notify(waiter: Waiter) -> float | None:
    """How long a waiting worker takes to wake when another connection sends NOTIFY (None: it did not)."""
    stop, woke = threading.Event(), []

    def waiting() -> None:
        started = time.monotonic()
        waiter.wait(stop, POLL)
        woke.append(time.monotonic() - started)

    thread = threading.Thread(target=waiting)
    thread.start()
    time.sleep(0.3)
    with psycopg.connect(**connections["default"].get_connection_params(), autocommit=True) as other:
        other.execute(f"NOTIFY {CHANNEL}")
    thread.join(timeout=5)
    stop.set()
    thread.join(timeout=5)
    return woke[0] if woke else None


@pytest.mark.postgresql
def test_the_worker_wakes_on_a_notification_from_another_process():
    with listening() as waiter:
        woke = seconds_to_wake_on_notify(waiter)
    assert woke is not None
    assert woke < 5
    assert connection.vendor == "postgresql"


@pytest.mark.postgresql
def test_a_listener_lost_with_the_database_is_opened_again(monkeypatch):
    """PostgreSQL restarted under the worker: it polls meanwhile, then listens again and wakes at once."""
    monkeypatch.setattr(Waiter, "RETRY_SECONDS", 0.0)
    with listening() as waiter:
        assert waiter.listener is not None
        lost = waiter.listener.info.backend_pid
        with psycopg.connect(**connections["default"].get_connection_params(), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [lost])
        waiter.wait(threading.Event(), 0.5)  # finds its connection gone: polls, and opens a new one next time
        woke = seconds_to_wake_on_notify(waiter)
        assert waiter.listener is not None
        assert waiter.listener.info.backend_pid != lost
    assert woke is not None
    assert woke < 5


@pytest.mark.postgresql
def test_a_worker_whose_listening_connection_is_refused_polls_instead(monkeypatch):
    """PostgreSQL refuses the worker's own LISTEN connection (restarting, too many clients, here a database that
    does not exist): the worker starts all the same and waits for its next poll, then tries again later."""
    monkeypatch.setitem(connections["default"].settings_dict, "NAME", "moncompte_no_such_database")
    with listening() as waiter:
        assert waiter.listener is None
        started = time.monotonic()
        waiter.wait(threading.Event(), 0.3)
    assert time.monotonic() - started >= 0.3
