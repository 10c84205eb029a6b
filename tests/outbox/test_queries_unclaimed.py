"""The claim of a code or a link by the web process whose request queued it (outbox/queries.unclaimed_claim, issue
22): on PostgreSQL one statement outside any transaction; on both, only a due email of the first lane that no
worker ever claimed, with its attempt, fenced as the workers' claim is (R-DLV1)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext

from moncompte.outbox import queries
from moncompte.outbox.models import AttemptOutcome, DeliveryAttempt, EmailStatus, Lane, OutboundEmail
from tests.core.test_queries import email_made
from tests.outbox.test_queries import READ

GRACE = timedelta(seconds=2)


def claimed_now(now, email: OutboundEmail) -> tuple[OutboundEmail | None, DeliveryAttempt]:
    attempt = DeliveryAttempt(email_id=email.pk, at=now, outcome=AttemptOutcome.SENDING, worker="web:7")
    read = queries.unclaimed_claim(
        email_id=email.pk,
        due_by=now + GRACE,
        message_id="<new@x>",
        lease_until=now + timedelta(seconds=20),
        attempt=attempt,
    )
    return read, attempt


@pytest.mark.django_db
def test_a_request_s_code_is_claimed_with_its_attempt_and_read_as_the_orm_reads_it(now):
    email = email_made(now, next_attempt_at=now + GRACE, slot_at=now)
    email.save()
    with CaptureQueriesContext(connection) as statements:
        read, attempt = claimed_now(now, email)
    if connection.vendor == "postgresql":
        [statement] = statements
        assert "WITH claimed AS (" in statement["sql"]
    assert read is not None
    stored = OutboundEmail.objects.get()
    assert (stored.claim, stored.message_id, stored.next_attempt_at, stored.slot_at) == (
        1,
        "<abc@moncompte.example>",  # chosen at enqueue, kept: the same at every try
        now + timedelta(seconds=20),
        None,
    )
    assert model_to_dict(read, fields=READ) == model_to_dict(stored, fields=READ)
    assert read.get_deferred_fields() == {"shown_text", "shown_html"}
    written = DeliveryAttempt.objects.get()
    assert (written.pk, written.email_id, written.at, written.outcome, written.worker, written.finished_at) == (
        attempt.pk,
        email.pk,
        now,
        AttemptOutcome.SENDING,
        "web:7",
        None,
    )


@pytest.mark.django_db
def test_an_email_without_a_message_id_gets_the_one_given(now):
    email = email_made(now, message_id="")
    email.save()
    read, _ = claimed_now(now, email)
    assert read is not None
    assert (read.message_id, OutboundEmail.objects.get().message_id) == ("<new@x>", "<new@x>")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        {"claim": 1},  # a worker took it first
        {"next_attempt_at": "later"},  # not due within the grace
        {"lane": Lane.NOTIFICATIONS},  # paced: claimed as the workers claim it (R-DLV6)
        {"status": EmailStatus.SENT},
    ],
    ids=["claimed before", "not due", "a notification", "sent"],
)
def test_an_email_claimed_before_not_due_a_notification_or_sent_is_left_alone_R_DLV1(now, change):
    if change.get("next_attempt_at") == "later":
        change = {"next_attempt_at": now + GRACE + timedelta(microseconds=1)}
    email = email_made(now, **change)
    email.save()
    before = model_to_dict(OutboundEmail.objects.get())
    read, attempt = claimed_now(now, email)
    assert read is None
    assert attempt.pk is None
    assert model_to_dict(OutboundEmail.objects.get()) == before
    assert not DeliveryAttempt.objects.exists()


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_code_a_worker_is_claiming_is_skipped_at_once_not_waited_for(now):
    """The worker's claim holds the row locked until it commits: the web process, which has people to serve,
    leaves the email to it rather than wait."""
    email = email_made(now)
    email.save()
    locked, release = threading.Event(), threading.Event()

    def a_worker_claiming() -> None:
        try:
            with transaction.atomic():
                OutboundEmail.objects.select_for_update().get(pk=email.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    worker = threading.Thread(target=a_worker_claiming)
    worker.start()
    try:
        assert locked.wait(10)
        read, _ = claimed_now(now, email)
        assert read is None
    finally:
        release.set()
        worker.join()
    assert OutboundEmail.objects.get().claim == 0
