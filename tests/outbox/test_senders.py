"""Several senders in one worker process (issue 24): threads that each claim one message at a time, with their own
SMTP and database connections, under the rules that hold between workers (R-DLV1, R-DLV5); a stop ends each
after the message in hand. On SQLite (one writer at a time) a worker keeps one sender."""

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import replace

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from moncompte.core import clock
from moncompte.core.conf import Settings
from moncompte.outbox import worker
from moncompte.outbox.delivery import claim_next, deliver_due
from moncompte.outbox.mail import Outgoing, enqueue_many
from moncompte.outbox.models import AttemptOutcome, DeliveryAttempt, EmailStatus, Lane, OutboundEmail
from moncompte.outbox.transport import SmtpTransport, Transport
from tests.outbox.faults import slow_sink_start, tally
from tests.outbox.test_delivery import queue_code_email
from tests.outbox.test_exactly_once import Recording

pytestmark = pytest.mark.django_db(transaction=True)
SENDERS = 4
CONTEXT = {"first_name": "Alix", "last_name": "DURAND", "promotional": False}


def _sending() -> int:
    return DeliveryAttempt.objects.filter(outcome=AttemptOutcome.SENDING).count()


def _start(port: int, stop: threading.Event) -> threading.Thread:
    return _run([SmtpTransport(host="127.0.0.1", port=port, keep_idle=5.0) for _ in range(SENDERS)], stop)


def _run(transports: Sequence[Transport], stop: threading.Event) -> threading.Thread:
    thread = threading.Thread(
        target=worker.run, kwargs={"stop": stop, "transport": transports[0], "more_senders": transports[1:]}
    )
    thread.start()
    return thread


def _all_sent(within: float) -> None:
    deadline = time.monotonic() + within
    while OutboundEmail.objects.exclude(status=EmailStatus.SENT).exists():
        assert time.monotonic() < deadline, "the messages were not all sent"
        time.sleep(0.05)


@pytest.mark.postgresql
def test_the_senders_of_one_worker_send_at_the_same_time_each_message_once(tmp_path):
    addresses = [queue_code_email(clock.now(), to=f"p{n}@example.fr").to_address for n in range(3 * SENDERS)]
    sink = slow_sink_start(tmp_path / "mailbox", delay=0.6)
    stop = threading.Event()
    thread = _start(sink.port, stop)
    most = 0
    try:
        deadline = time.monotonic() + 30
        while OutboundEmail.objects.exclude(status=EmailStatus.SENT).exists():
            assert time.monotonic() < deadline, "the messages were not all sent"
            most = max(most, _sending())
            time.sleep(0.02)
    finally:
        stop.set()
        thread.join(timeout=10)
        sink.stop()
    assert not thread.is_alive()
    assert most == SENDERS  # one message in hand per sender, never two
    result = tally(tmp_path / "mailbox", addresses)
    assert (result.lost, result.duplicates, result.split_message_ids) == ([], 0, [])


@pytest.mark.postgresql
def test_a_stop_ends_each_sender_after_the_message_in_its_hands_R_DLV1(tmp_path):
    for n in range(3 * SENDERS):
        queue_code_email(clock.now(), to=f"p{n}@example.fr")
    sink = slow_sink_start(tmp_path / "mailbox", delay=1.5)
    stop = threading.Event()
    thread = _start(sink.port, stop)
    try:
        deadline = time.monotonic() + 30
        while _sending() < SENDERS:
            assert time.monotonic() < deadline, "the senders never all held a message"
            time.sleep(0.02)
    finally:
        stop.set()
        thread.join(timeout=10)
        sink.stop()
    assert not thread.is_alive()  # run() returns once every sender is done
    assert _sending() == 0  # none left a claim behind
    assert OutboundEmail.objects.filter(status=EmailStatus.SENT).count() == SENDERS  # each finished its own
    assert OutboundEmail.objects.filter(status=EmailStatus.PENDING).count() == 2 * SENDERS


@pytest.mark.postgresql
def test_the_senders_of_one_worker_keep_to_a_providers_pace_together_R_DLV6(smtp_sink, settings):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, outbox_pacing=("gmail=5",))
    controller, _ = smtp_sink
    outgoing = [Outgoing(f"p{n}@gmail.com", CONTEXT) for n in range(6)]
    enqueue_many(template="message_notice", outgoing=outgoing, now=clock.now(), lane=Lane.NOTIFICATIONS)
    stop = threading.Event()
    thread = _start(controller.port, stop)
    try:
        _all_sent(within=20)
    finally:
        stop.set()
        thread.join(timeout=10)
    sent = sorted(at for at in OutboundEmail.objects.values_list("sent_at", flat=True) if at is not None)
    assert len(sent) == len(outgoing)
    # one slot every 0.2 s, shared by the four senders: the i-th never left before its slot (taken up to 20 ms early)
    assert all((at - sent[0]).total_seconds() >= index * 0.2 - 0.05 for index, at in enumerate(sent))


def test_a_sender_kept_for_the_first_lane_takes_codes_and_links_never_a_notification_R_DLV5():
    outgoing = [Outgoing(f"n{n}@example.fr", CONTEXT) for n in range(3)]
    enqueue_many(template="message_notice", outgoing=outgoing, now=clock.now(), lane=Lane.NOTIFICATIONS)
    assert claim_next(now=clock.now(), first_lane_only=True) is None
    transport = Recording()
    assert deliver_due(transport=transport, first_lane_only=True) == 0
    code = queue_code_email(clock.now(), to="code@example.fr")
    assert deliver_due(transport=transport, first_lane_only=True) == 1
    assert [message.to for message in transport.sent] == [code.to_address]
    assert OutboundEmail.objects.filter(lane=Lane.NOTIFICATIONS, status=EmailStatus.PENDING).count() == 3


@pytest.mark.postgresql
def test_the_last_sender_of_a_worker_is_kept_for_codes_and_links_R_DLV5():
    outgoing = [Outgoing(f"n{n}@example.fr", CONTEXT) for n in range(40)]
    enqueue_many(template="message_notice", outgoing=outgoing, now=clock.now(), lane=Lane.NOTIFICATIONS)
    codes = {queue_code_email(clock.now(), to=f"code{n}@example.fr").to_address for n in range(3)}
    transports = [Recording() for _ in range(3)]
    stop = threading.Event()
    thread = _run(transports, stop)
    try:
        _all_sent(within=30)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert {message.to for message in transports[-1].sent} <= codes
    assert sum(len(transport.sent) for transport in transports) == 43


def test_a_worker_has_as_many_senders_as_the_setting_says_on_postgresql_one_on_sqlite(settings):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, outbox_senders=3)
    assert len(worker.transports_from_settings()) == (3 if connection.vendor == "postgresql" else 1)


@pytest.mark.without_database
def test_fewer_than_one_sender_is_refused_and_more_read_from_the_environment():
    with pytest.raises(ImproperlyConfigured, match="OUTBOX_SENDERS"):
        Settings.from_environment({"MONCOMPTE_OUTBOX_SENDERS": "0"})
    assert Settings.from_environment({"MONCOMPTE_OUTBOX_SENDERS": "8"}).outbox_senders == 8


@pytest.mark.postgresql
def test_senders_with_nothing_to_send_wait_for_a_wake_up_and_log_no_error(monkeypatch, caplog, settings):
    """Idle, every sender asks for work once per poll (the safety net behind the wake-up), never in a loop,
    never through an error and its pause: the other senders have no periodic jobs and feed nothing."""
    settings.MONCOMPTE = replace(settings.MONCOMPTE, outbox_idle_poll_seconds=0.5)
    rounds: list[str] = []
    deliver = deliver_due

    def counted(**kwargs) -> int:
        rounds.append(threading.current_thread().name)
        return deliver(**kwargs)

    monkeypatch.setattr(worker, "deliver_due", counted)
    stop = threading.Event()
    thread = _run([Recording() for _ in range(3)], stop)
    time.sleep(2)
    stop.set()
    thread.join(timeout=10)
    assert [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING] == []
    assert len(set(rounds)) == 3  # each sender asked
    assert len(rounds) <= 3 * (2 / 0.5 + 2)  # once per poll each, a wake-up or two more at most
