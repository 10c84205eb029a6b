"""R-DLV5: two lanes in the outbox. A code or a link queued behind thousands of notifications is the next one
a free worker takes: it leaves before the notifications still waiting, over a real SMTP server."""

import threading
import time
from datetime import timedelta

import pytest

from moncompte.core import clock
from moncompte.outbox import worker
from moncompte.outbox.delivery import claim_next
from moncompte.outbox.mail import Outgoing, enqueue_many
from moncompte.outbox.models import EmailStatus, Lane, OutboundEmail
from moncompte.outbox.sink import received
from moncompte.outbox.transport import SmtpTransport
from tests.outbox.test_delivery import queue_code_email

QUEUED = 2000
WORKERS = 2


def notifications_queued(count: int, *, now) -> None:
    """`count` notifications of the message box, queued in one go as a campaign queues them."""
    context = {"first_name": "Alix", "last_name": "DURAND", "promotional": False}
    outgoing = (Outgoing(f"p{n}@example.fr", context) for n in range(count))
    assert enqueue_many(template="message_notice", outgoing=outgoing, now=now, lane=Lane.NOTIFICATIONS) == count


@pytest.mark.django_db
def test_a_sender_takes_the_oldest_code_or_link_before_any_notification_R_DLV5(now, traveller):
    notifications_queued(3, now=now - timedelta(hours=1))
    code = queue_code_email(now)
    claimed = claim_next(now=clock.now())
    assert claimed is not None
    assert claimed.email.pk == code.pk
    # nothing left in the first lane: the oldest notification comes next
    following = claim_next(now=clock.now())
    assert following is not None
    assert following.email.lane == Lane.NOTIFICATIONS
    assert following.email.to_address == "p0@example.fr"


def _sent(pk: int) -> bool:
    return OutboundEmail.objects.filter(pk=pk, status=EmailStatus.SENT).exists()


def _notifications_sent() -> int:
    return OutboundEmail.objects.filter(lane=Lane.NOTIFICATIONS, status=EmailStatus.SENT).count()


@pytest.mark.django_db(transaction=True)
def test_a_code_queued_after_thousands_of_notifications_leaves_before_those_still_waiting_R_DLV5(smtp_sink):
    controller, maildir = smtp_sink
    notifications_queued(QUEUED, now=clock.now())
    stop = threading.Event()
    threads = [
        threading.Thread(
            target=worker.run,
            kwargs={"stop": stop, "transport": SmtpTransport(host=controller.hostname, port=controller.port)},
        )
        for _ in range(WORKERS)
    ]
    for thread in threads:
        thread.start()
    try:
        deadline = time.monotonic() + 20
        while _notifications_sent() < 20 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _notifications_sent() >= 20  # the campaign is being sent
        code = queue_code_email(clock.now())
        # Committed from here: on SQLite the INSERT waited for the workers' write lock, which they held sending
        # notifications the code could not overtake yet (its created_at is older; CI counted 6 so, for 4 allowed).
        visible = clock.now()
        while not _sent(code.pk) and time.monotonic() < deadline:
            time.sleep(0.005)
        before = _notifications_sent()
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
    code.refresh_from_db()
    assert code.status == EmailStatus.SENT
    assert before < QUEUED // 2  # most notifications were still waiting when the code left
    # Between the code's commit and its 250, a worker may finish the notification it was sending and, while the
    # other one takes the code, start one more: never the queue ahead of it.
    overtaking = OutboundEmail.objects.filter(
        lane=Lane.NOTIFICATIONS, sent_at__gt=visible, sent_at__lt=code.sent_at
    ).count()
    assert overtaking <= 2 * WORKERS
    assert any("code provisoire" in str(item.message["Subject"]) for item in received(maildir))
