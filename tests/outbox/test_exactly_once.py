"""R-DLV1: one message at a time under a lease, fencing, a stable Message-ID, the attempt written before the
exchange, a clean stop, and the retention of finished emails."""

import threading
from datetime import timedelta
from email.message import EmailMessage
from email.utils import parsedate_to_datetime

import pytest

from moncompte.core import clock
from moncompte.outbox.delivery import claim_next, deliver_due, deliver_one
from moncompte.outbox.models import AttemptOutcome, DeliveryAttempt, EmailStatus, OutboundEmail
from moncompte.outbox.retention import outbox_purge
from moncompte.outbox.transport import DeliveryFailed, SmtpTransport
from tests.outbox.test_delivery import queue_code_email

pytestmark = pytest.mark.django_db


class Recording:
    """A transport that keeps what it is handed (the SMTP exchange itself is tested over real SMTP)."""

    def __init__(self, *, refuse: bool = False, then: threading.Event | None = None) -> None:
        self.sent: list[EmailMessage] = []
        self.refuse, self.then = refuse, then

    def send(self, message: EmailMessage, *, sender: str) -> str:
        self.sent.append(message)
        if self.then is not None:
            self.then.set()
        if self.refuse:
            raise DeliveryFailed("421 essayez plus tard", permanent=False)
        return "250 OK"


def test_the_message_id_is_chosen_at_enqueue_and_kept_by_every_try_R_DLV1(now, traveller):
    email = queue_code_email(now)
    assert email.message_id.startswith("<")
    transport = Recording(refuse=True)
    deliver_due(transport=transport)
    traveller.shift(timedelta(minutes=1))
    transport.refuse = False
    deliver_due(transport=transport)
    assert [m["Message-ID"] for m in transport.sent] == [email.message_id] * 2


def test_the_date_header_is_the_sending_time_not_the_enqueue_time(now, traveller):
    queue_code_email(now)
    transport = Recording(refuse=True)
    deliver_due(transport=transport)
    traveller.shift(timedelta(hours=2))
    transport.refuse = False
    deliver_due(transport=transport)
    assert parsedate_to_datetime(transport.sent[-1]["Date"]) == clock.now()


def test_the_attempt_is_written_before_the_exchange_R_DLV1(now, traveller):
    email = queue_code_email(now)
    claimed = claim_next(now=now)
    assert claimed is not None
    attempt = DeliveryAttempt.objects.get(email=email)
    assert (attempt.outcome, attempt.finished_at) == (AttemptOutcome.SENDING, None)
    deliver_one(claimed, Recording())
    attempt.refresh_from_db()
    assert (attempt.outcome, attempt.finished_at) == (AttemptOutcome.SENT, now)


def test_a_worker_that_lost_its_claim_does_not_overwrite_the_new_holder_R_DLV1(now, traveller):
    email = queue_code_email(now)
    late = claim_next(now=now)
    traveller.shift(timedelta(minutes=5, seconds=1))
    current = claim_next(now=clock.now())
    assert late is not None
    assert current is not None
    assert current.claim == late.claim + 1
    deliver_one(late, Recording())  # its lease is over: it must not send
    email.refresh_from_db()
    assert email.status == EmailStatus.PENDING
    transport = Recording()
    deliver_one(current, transport)
    email.refresh_from_db()
    assert (email.status, len(transport.sent)) == (EmailStatus.SENT, 1)


def test_a_stop_request_ends_delivery_after_the_current_message(now, traveller):
    for index in range(3):
        queue_code_email(now, to=f"p{index}@example.fr")
    stop = threading.Event()
    assert deliver_due(transport=Recording(then=stop), stop=stop) == 1
    assert OutboundEmail.objects.filter(status=EmailStatus.PENDING).count() == 2


def test_finished_emails_are_deleted_after_the_retention_period_pending_ones_never_R_DLV1(now, traveller, settings):
    settings.MONCOMPTE = {**settings.MONCOMPTE, "OUTBOX_RETENTION_DAYS": 90}
    sent, pending = queue_code_email(now, to="sent@example.fr"), queue_code_email(now, to="stuck@example.fr")
    claimed = claim_next(now=now)
    assert claimed is not None
    deliver_one(claimed, Recording())
    assert outbox_purge(now=now + timedelta(days=89)) == 0
    assert outbox_purge(now=now + timedelta(days=90, seconds=1)) == 1
    assert not OutboundEmail.objects.filter(pk=sent.pk).exists()
    assert not DeliveryAttempt.objects.filter(email_id=sent.pk).exists()
    assert OutboundEmail.objects.filter(pk=pending.pk).exists()


def test_a_relay_slower_than_the_exchange_deadline_is_cut_and_retried_later_R_DLV1(tmp_path, now, traveller):
    """Each step answered in time, the whole too slow: the message must not outlive its worker's lease."""
    from tests.outbox.faults import slow_sink_start

    email = queue_code_email(now)
    sink = slow_sink_start(tmp_path / "mailbox", delay=3)
    try:
        transport = SmtpTransport(host="127.0.0.1", port=sink.port, timeout=10, exchange_timeout=0.5)
        deliver_due(transport=transport)
    finally:
        sink.stop()
    email.refresh_from_db()
    assert email.status == EmailStatus.PENDING
    attempt = email.delivery_attempts.get()
    assert attempt.outcome == AttemptOutcome.RETRY
    assert "échange interrompu" in attempt.smtp_reply
