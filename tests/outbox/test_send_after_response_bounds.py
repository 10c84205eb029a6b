"""Mail in milliseconds (issue 13), its bounds: a request sends only the emails it queued, five at most, over a
relay with deadlines short enough for a web process; the request's signals start and end it."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.core.signals import request_finished, request_started

from moncompte.outbox import send_after_response
from moncompte.outbox.models import EmailStatus, OutboundEmail
from moncompte.outbox.sink import received
from tests.outbox.test_send_after_response import (  # noqa: F401 (an autouse fixture, shared)
    fresh_send_after_response_state,
    in_a_request,
    queued,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def relay_url(smtp_sink, settings):
    controller, maildir = smtp_sink
    settings.EMAIL_URL = f"smtp://{controller.hostname}:{controller.port}"
    return maildir


def test_a_request_sends_the_first_five_emails_it_queued_and_leaves_the_others_to_the_workers(relay_url):
    in_a_request()
    emails = [queued(f"p{index}@example.fr") for index in range(send_after_response.PER_REQUEST + 2)]
    send_after_response.send_remembered()
    assert sorted(str(item.message["To"]) for item in received(relay_url)) == [f"p{i}@example.fr" for i in range(5)]
    statuses = [OutboundEmail.objects.get(pk=email.pk).status for email in emails]
    assert statuses == [EmailStatus.SENT] * 5 + [EmailStatus.PENDING] * 2


def test_a_request_sends_its_own_email_not_an_older_one_waiting_for_the_workers(relay_url):
    older = queued("older@example.fr")  # outside requests (a periodic job): due for the workers at once
    in_a_request()
    own = queued("own@example.fr")
    send_after_response.send_remembered()
    assert [str(item.message["To"]) for item in received(relay_url)] == ["own@example.fr"]
    assert OutboundEmail.objects.get(pk=older.pk).status == EmailStatus.PENDING
    assert OutboundEmail.objects.get(pk=own.pk).status == EmailStatus.SENT


def test_the_relay_of_a_web_process_answers_within_a_request_s_time_R_DLV1(relay_url):
    relay = send_after_response._transport()
    # Each step 4 s, the message out within 8 s, its answer within 15 s more: inside gunicorn's 30 s per request,
    # and the connection kept 10 s for the request's next email.
    assert (relay.timeout, relay.exchange_timeout, relay.reply_timeout, relay.keep_idle) == (4.0, 8.0, 15.0, 10.0)
    assert relay.exchange_timeout + relay.reply_timeout < 30
    assert send_after_response._transport() is relay  # one relay per process, its connection kept


def test_the_app_wires_the_start_and_the_end_of_every_request_once(relay_url):
    for signal, uid in [
        (request_started, "outbox-send-after-response-forget"),
        (request_finished, "outbox-send-after-response"),
    ]:
        assert signal.disconnect(dispatch_uid=uid)
    apps.get_app_config("outbox").ready()
    apps.get_app_config("outbox").ready()  # a second call connects nothing more
    send_after_response._remembered().append(12345)
    request_started.send(sender=None)
    assert send_after_response._remembered() == []  # forget(): nothing left from another request
    assert send_after_response.grace() == send_after_response.GRACE  # in a request: it will send its emails
    request_finished.send(sender=None)
    assert send_after_response.grace() == timedelta(0)  # send_remembered(): the request is over
    assert request_started.disconnect(dispatch_uid="outbox-send-after-response-forget")
    assert not request_started.disconnect(dispatch_uid="outbox-send-after-response-forget")
    assert request_finished.disconnect(dispatch_uid="outbox-send-after-response")
    assert not request_finished.disconnect(dispatch_uid="outbox-send-after-response")
    apps.get_app_config("outbox").ready()  # as the other tests expect it


def test_a_code_sent_after_the_response_is_claimed_and_completed_in_two_statements_without_a_transaction(relay_url):
    """Issue 22: BEGIN, the row locked, its claim, COMMIT, then BEGIN, the outcome, COMMIT were seven round trips
    to PostgreSQL per email; one statement each now, neither inside a transaction (on SQLite, as many as the
    workers' claim and outcome, in a transaction of their own)."""
    from django.db import connection

    in_a_request()
    email = queued()
    ran: list[tuple[str, bool]] = []

    def watch(execute, sql, params, many, context):
        ran.append((sql.split(" ", 2)[0] + " " + sql.split(" ", 2)[1], connection.in_atomic_block))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        send_after_response.send_remembered()
    assert [item.message["To"] for item in received(relay_url)] == ["camille@example.fr"]
    email.refresh_from_db()
    assert (email.status, email.claim, email.body_text) == (EmailStatus.SENT, 1, "")
    if connection.vendor == "postgresql":
        assert ran == [("WITH claimed", False), ("WITH attempt", False)]
    else:
        assert all(inside for sql, inside in ran if not sql.startswith("BEGIN")), ran


def test_the_attempt_of_a_send_after_the_response_is_sending_under_this_process_until_its_outcome(relay_url):
    """If the web process dies mid-send, the next claimer finds the attempt "sending" and marks it unknown (R-DLV1):
    the attempt must say so, and which process made it."""
    from moncompte.core import clock
    from moncompte.outbox.delivery import WORKER_NAME
    from moncompte.outbox.models import AttemptOutcome, DeliveryAttempt

    in_a_request()
    email = queued()
    now = clock.now()
    claimed = send_after_response._claim(email.pk, now=now)
    assert claimed is not None
    attempt = DeliveryAttempt.objects.get()
    assert (attempt.pk, attempt.outcome, attempt.worker) == (claimed.attempt_id, AttemptOutcome.SENDING, WORKER_NAME)
    assert claimed.claim == OutboundEmail.objects.get().claim == 1
    assert claimed.lease_until == now + send_after_response.LEASE


def test_a_notification_a_request_queued_is_sent_after_its_response_as_the_workers_claim_it(relay_url):
    """A notification of the message box is paced per provider (R-DLV6): not the one-statement claim of a code, the
    workers' claim, within the request's grace, of that notification only."""
    from django.db import transaction

    from moncompte.core import clock
    from moncompte.outbox.mail import enqueue
    from moncompte.outbox.models import Lane

    queued("worker@example.fr")  # outside a request: due for the workers at once, not this request's to send
    in_a_request()
    with transaction.atomic():
        notice = enqueue(
            template="message_notice",
            to="camille@example.fr",
            now=clock.now(),
            context={"first_name": "Camille", "last_name": "DURAND", "subject": "Votre attestation"},
            lane=Lane.NOTIFICATIONS,
        )
    queued("dominique@example.fr")
    send_after_response.send_remembered()
    assert sorted(str(item.message["To"]) for item in received(relay_url)) == [
        "camille@example.fr",
        "dominique@example.fr",
    ]
    notice.refresh_from_db()
    assert (notice.status, notice.claim) == (EmailStatus.SENT, 1)
    assert OutboundEmail.objects.get(to_address="worker@example.fr").claim == 0


def test_a_request_s_notifications_to_one_provider_keep_its_pace_R_DLV6(relay_url, settings):
    """The request claims its emails up to its grace ahead of their time (2 s): a notification whose provider's
    slot is reserved 1 s later was taken at once all the same, slot and all, and its provider got two at once."""
    from dataclasses import replace

    from django.db import transaction

    from moncompte.core import clock
    from moncompte.outbox.mail import enqueue
    from moncompte.outbox.models import Lane

    settings.MONCOMPTE = replace(settings.MONCOMPTE, outbox_pacing=("gmail=1",))
    in_a_request()
    context = {"first_name": "Camille", "last_name": "DURAND", "promotional": False}
    with transaction.atomic():
        for to in ("camille@gmail.com", "dominique@gmail.com"):
            enqueue(template="message_notice", to=to, now=clock.now(), context=context, lane=Lane.NOTIFICATIONS)
    send_after_response.send_remembered()
    assert [str(item.message["To"]) for item in received(relay_url)] == ["camille@gmail.com"]
    second = OutboundEmail.objects.get(to_address="dominique@gmail.com")
    assert (second.status, second.claim) == (EmailStatus.PENDING, 0)  # the workers send it in its slot
    assert second.slot_at is not None
    assert second.next_attempt_at == second.slot_at
