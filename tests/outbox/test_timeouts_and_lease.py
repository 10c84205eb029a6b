"""R-DLV1 against a real SMTP server that is slow: a sender waits for the answer to a whole message long after
its per-step deadline; no answer at all is an unknown outcome, held before any new try; a live sender renews
its short lease for as long as its server takes, and hangs up as soon as its claim is lost."""

import threading
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

from moncompte.core import clock
from moncompte.outbox.delivery import claim_next, deliver_due, deliver_one
from moncompte.outbox.models import AttemptOutcome, DeliveryAttempt, EmailStatus, OutboundEmail
from moncompte.outbox.sink import received
from moncompte.outbox.transport import SmtpTransport
from tests.outbox.faults import slow_sink_start
from tests.outbox.test_delivery import queue_code_email


@pytest.fixture
def slow_relay(tmp_path: Path):
    started = []

    def start(delay: float, *, rcpt_delay: float = 0.0) -> SmtpTransport:
        sink = slow_sink_start(tmp_path / "mailbox", delay=delay, rcpt_delay=rcpt_delay)
        started.append(sink)
        return SmtpTransport(host="127.0.0.1", port=sink.port, timeout=1.0)

    yield start
    for sink in started:
        sink.stop()


@pytest.mark.django_db
def test_a_relay_answering_after_the_step_deadline_but_within_the_reply_wait_gets_one_copy_R_DLV1(
    slow_relay, tmp_path, now, traveller
):
    email = queue_code_email(now)
    # 1 s per step, 1.5 s for the exchange up to the message's end, then 5 s for the answer to the message
    transport = replace(slow_relay(2.0), exchange_timeout=1.5, reply_timeout=5.0)
    deliver_due(transport=transport)
    email.refresh_from_db()
    assert email.status == EmailStatus.SENT
    assert [a.outcome for a in email.delivery_attempts.all()] == [AttemptOutcome.SENT]
    assert len(received(tmp_path / "mailbox")) == 1


@pytest.mark.django_db
def test_no_answer_to_a_whole_message_is_an_unknown_outcome_not_sent_again_before_the_hold_R_DLV1(
    slow_relay, tmp_path, now, traveller, settings, admin_client
):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, outbox_no_answer_hold=timedelta(minutes=10))
    email = queue_code_email(now)
    transport = replace(slow_relay(3.0), reply_timeout=1.0)
    deliver_due(transport=transport)
    email.refresh_from_db()
    [attempt] = email.delivery_attempts.all()
    assert attempt.outcome == AttemptOutcome.NO_ANSWER  # not "connexion impossible": the relay had every byte
    assert attempt.smtp_reply.startswith("message transmis en entier, pas de réponse du serveur (")
    assert attempt.smtp_reply.endswith(") : il l'a peut-être reçu")
    assert "délai écoulé" not in attempt.smtp_reply, attempt.smtp_reply  # the error itself is said
    assert (email.status, email.next_attempt_at, email.attempts) == (
        EmailStatus.PENDING,
        now + timedelta(minutes=10),
        1,
    )
    page = admin_client.get(reverse("admin:outbox_outboundemail_change", args=[email.pk])).content.decode()
    assert "issue inconnue (message transmis, pas de réponse du serveur)" in page  # support is told the truth
    traveller.shift(timedelta(minutes=10) - timedelta(seconds=1))
    assert deliver_due(transport=transport) == 0  # the relay could still answer: nothing sent again
    traveller.shift(timedelta(seconds=1))
    assert deliver_due(transport=replace(transport, reply_timeout=10.0)) == 1  # then retried, like a deferral
    copies = received(tmp_path / "mailbox")
    assert [c.message["Message-ID"] for c in copies] == [email.message_id] * 2  # one message, recognisably


@pytest.mark.django_db
def test_a_relay_slow_before_the_end_of_the_message_is_cut_and_retried_later_R_DLV1(
    slow_relay, tmp_path, now, traveller
):
    """Each step answered in time, the whole too slow, and the relay has nothing yet: an ordinary retry."""
    email = queue_code_email(now)
    transport = replace(slow_relay(0.0, rcpt_delay=0.6), exchange_timeout=0.5)
    deliver_due(transport=transport)
    email.refresh_from_db()
    assert email.status == EmailStatus.PENDING
    attempt = email.delivery_attempts.get()
    assert attempt.outcome == AttemptOutcome.RETRY
    assert "échange interrompu" in attempt.smtp_reply
    assert received(tmp_path / "mailbox") == []


def send_in_background(transport: SmtpTransport) -> tuple[threading.Thread, list[AttemptOutcome]]:
    claimed = claim_next(now=clock.now())
    assert claimed is not None
    outcomes: list[AttemptOutcome] = []

    def send() -> None:
        try:
            outcomes.append(deliver_one(claimed, transport))
        finally:
            connection.close()  # this thread's own

    sender = threading.Thread(target=send)
    sender.start()
    return sender, outcomes


@pytest.mark.django_db(transaction=True)
def test_a_live_sender_keeps_its_claim_past_its_lease_by_renewing_it_R_DLV1(slow_relay, tmp_path, settings):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, outbox_lease_seconds=4)  # renewed every second
    email = queue_code_email(clock.now())
    sender, outcomes = send_in_background(replace(slow_relay(6.0), reply_timeout=10.0))
    time.sleep(5)  # past the first lease: a worker that died would have lost the message by now
    assert claim_next(now=clock.now()) is None  # this one is alive and sending: nobody else takes it
    sender.join(timeout=15)
    assert outcomes == [AttemptOutcome.SENT]
    email.refresh_from_db()
    assert email.status == EmailStatus.SENT
    assert len(received(tmp_path / "mailbox")) == 1


@pytest.mark.django_db(transaction=True)
def test_a_sender_whose_claim_was_taken_hangs_up_before_the_end_of_the_message_R_DLV1(slow_relay, tmp_path, settings):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, outbox_lease_seconds=4)
    email = queue_code_email(clock.now())
    transport = replace(slow_relay(0.0, rcpt_delay=6.0), timeout=10.0, exchange_timeout=30.0)
    sender, outcomes = send_in_background(transport)
    time.sleep(0.5)
    OutboundEmail.objects.filter(pk=email.pk).update(claim=99)  # another worker took it (a clock jump, a pause)
    started = time.monotonic()
    sender.join(timeout=15)
    assert time.monotonic() - started < 3  # hung up at the next beat, not at the relay's pace
    assert outcomes == [AttemptOutcome.RETRY]
    assert received(tmp_path / "mailbox") == []  # the fence held at the relay itself
    attempt = DeliveryAttempt.objects.get(email=email)
    assert (attempt.outcome, attempt.smtp_reply) == (AttemptOutcome.RETRY, "échange interrompu : bail perdu")
    assert OutboundEmail.objects.get(pk=email.pk).claim == 99  # the row stays the new holder's


@pytest.mark.django_db(transaction=True)
def test_a_sender_that_cannot_renew_its_lease_hangs_up_before_it_ends_R_DLV1(
    slow_relay, tmp_path, settings, monkeypatch
):
    """The database is out of reach for this sender only: another may claim the message once the lease is over,
    so this one must have stopped sending by then."""
    from django.db import OperationalError

    from moncompte.outbox import lease

    class Unreachable:
        class objects:  # noqa: N801 (stands for the model's manager)
            @staticmethod
            def filter(**_: object) -> None:
                raise OperationalError("la base est injoignable")

    settings.MONCOMPTE = replace(settings.MONCOMPTE, outbox_lease_seconds=4)  # beats every second
    email = queue_code_email(clock.now())
    transport = replace(slow_relay(0.0, rcpt_delay=8.0), timeout=10.0, exchange_timeout=30.0)
    monkeypatch.setattr(lease, "OutboundEmail", Unreachable)
    started = time.monotonic()
    sender, outcomes = send_in_background(transport)
    sender.join(timeout=15)
    assert time.monotonic() - started < 4  # before the end of the 4 s lease, not at the relay's pace
    assert outcomes == [AttemptOutcome.RETRY]
    assert received(tmp_path / "mailbox") == []
    assert DeliveryAttempt.objects.get(email=email).smtp_reply == "échange interrompu : bail perdu"
