"""Mail in milliseconds (issue 13): the request that queued an email sends it once its response is out; the
worker remains the safety net, and never a message twice (R-DLV1)."""

import threading
from dataclasses import replace
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.urls import reverse

from moncompte.core import clock
from moncompte.outbox import send_after_response
from moncompte.outbox.delivery import claim_next, deliver_one
from moncompte.outbox.mail import enqueue
from moncompte.outbox.models import AttemptOutcome, EmailStatus, OutboundEmail
from moncompte.outbox.sink import free_port, received
from tests.helpers import shown_challenge
from tests.outbox.test_exactly_once import Recording
from tests.outbox.test_outcome_through_outages import WritesRefused
from tests.web.test_enrollment_pages import TYPED, captcha_id_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def fresh_send_after_response_state():
    send_after_response.reset()
    yield
    send_after_response.reset()


def identity_submitted(client) -> None:
    challenge = shown_challenge(captcha_id_in(client.get(reverse("web:identity"))))
    data = {**TYPED, "captcha_id": challenge.id, "captcha_answer": challenge.answer}
    assert client.post(reverse("web:identity"), data).status_code == 302


def queued(to: str = "camille@example.fr") -> OutboundEmail:
    with transaction.atomic():
        return enqueue(
            template="provisional_code",
            to=to,
            now=clock.now(),
            context={"first_name": "Camille", "last_name": "DURAND", "expires_at": clock.now()},
            secret_context={"code": "Ab3dEf7hJk"},
        )


def test_the_code_email_is_at_the_relay_when_the_response_is_out(client, beneficiary, smtp_sink, settings):
    controller, maildir = smtp_sink
    settings.EMAIL_URL = f"smtp://{controller.hostname}:{controller.port}"
    identity_submitted(client)
    [item] = received(maildir)  # no worker runs in this test: the request itself sent it
    assert item.message["Subject"] == "Votre compte ameli - Votre code provisoire"
    email = OutboundEmail.objects.get()
    assert email.status == EmailStatus.SENT
    assert [a.outcome for a in email.delivery_attempts.all()] == [AttemptOutcome.SENT]


def test_a_failing_relay_leaves_the_email_to_the_worker_and_pauses_sending_from_requests(client, beneficiary, settings):
    settings.EMAIL_URL = f"smtp://127.0.0.1:{free_port()}"  # nobody listens
    identity_submitted(client)
    email = OutboundEmail.objects.get()
    assert email.status == EmailStatus.PENDING  # the worker will send it after its back-off
    assert [a.outcome for a in email.delivery_attempts.all()] == [AttemptOutcome.RETRY]
    in_a_request()
    second = queued("other@example.fr")
    send_after_response.send_remembered()
    assert not second.delivery_attempts.exists()  # paused: the worker alone sends for a minute
    assert claim_next(now=clock.now()) is not None  # and at once: no grace while paused


def in_a_request() -> None:
    send_after_response.forget()  # what the start of a request does


def test_an_email_a_worker_claimed_first_is_not_sent_again_R_DLV1(smtp_sink, settings):
    controller, maildir = smtp_sink
    settings.EMAIL_URL = f"smtp://{controller.hostname}:{controller.port}"
    in_a_request()
    email = queued()  # committed: remembered for the end of the request
    # A worker took it (the request was late).
    assert claim_next(now=clock.now() + send_after_response.GRACE) is not None
    send_after_response.send_remembered()
    assert received(maildir) == []
    assert email.delivery_attempts.count() == 1


def test_an_email_its_request_could_not_send_is_due_for_workers_after_the_grace(settings):
    settings.EMAIL_URL = f"smtp://127.0.0.1:{free_port()}"
    in_a_request()
    email = queued()
    assert claim_next(now=clock.now()) is None  # the request is expected to send it
    # Its process died after answering: a worker sends it.
    claimed = claim_next(now=clock.now() + send_after_response.GRACE)
    assert claimed is not None
    assert claimed.email.pk == email.pk


def test_outside_requests_emails_are_due_at_once_for_workers(settings, smtp_sink):
    controller, _ = smtp_sink
    settings.EMAIL_URL = f"smtp://{controller.hostname}:{controller.port}"
    email = queued()  # a periodic job or a command: no request will send it
    claimed = claim_next(now=clock.now())
    assert claimed is not None
    assert claimed.email.pk == email.pk


def test_with_the_setting_off_requests_leave_every_email_to_the_worker(client, beneficiary, smtp_sink, settings):
    controller, maildir = smtp_sink
    settings.EMAIL_URL = f"smtp://{controller.hostname}:{controller.port}"
    settings.MONCOMPTE = replace(settings.MONCOMPTE, outbox_send_after_response=False)
    identity_submitted(client)
    assert received(maildir) == []
    assert OutboundEmail.objects.get().status == EmailStatus.PENDING


def test_a_refused_recipient_does_not_pause_sending_from_requests(settings, tmp_path):
    from aiosmtpd.controller import Controller

    class RefusesOne:
        async def handle_RCPT(self, server, session, envelope, address, options):
            if address.startswith("nobody@"):
                return "550 5.1.1 no such user"
            envelope.rcpt_tos.append(address)
            return "250 OK"

    relay = Controller(RefusesOne(), hostname="127.0.0.1", port=free_port())
    relay.start()
    try:
        settings.EMAIL_URL = f"smtp://127.0.0.1:{relay.port}"
        in_a_request()
        refused = queued("nobody@example.fr")  # an address a person (or an attacker) typed
        send_after_response.send_remembered()
        refused.refresh_from_db()
        assert refused.status == EmailStatus.FAILED
        in_a_request()
        fine = queued("camille@example.fr")
        send_after_response.send_remembered()
        fine.refresh_from_db()
        assert fine.status == EmailStatus.SENT  # not paused
    finally:
        send_after_response.reset()
        relay.stop()


def test_a_claim_by_a_request_is_short_so_a_killed_web_process_delays_its_email_little(settings):
    settings.EMAIL_URL = f"smtp://127.0.0.1:{free_port()}"
    in_a_request()
    email = queued()
    claimed = claim_next(
        now=clock.now(),
        email_id=email.pk,
        never_claimed=True,
        due_by=clock.now() + send_after_response.GRACE,
        lease_for=send_after_response.LEASE,
    )
    assert claimed is not None
    assert claimed.lease_until - clock.now() <= send_after_response.LEASE
    assert send_after_response.LEASE.total_seconds() < 30  # gunicorn's limit per request


def test_after_an_email_a_worker_took_first_the_request_still_sends_its_next_one_R_DLV1(smtp_sink, settings):
    controller, maildir = smtp_sink
    settings.EMAIL_URL = f"smtp://{controller.hostname}:{controller.port}"
    in_a_request()
    first = queued("camille@example.fr")
    queued("dominique@example.fr")
    assert claim_next(now=clock.now() + send_after_response.GRACE, email_id=first.pk) is not None  # a worker's
    send_after_response.send_remembered()
    assert [str(item.message["To"]) for item in received(maildir)] == ["dominique@example.fr"]
    assert first.delivery_attempts.count() == 1


def outbox_log(caplog) -> list[tuple[str, str]]:
    return [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "moncompte.outbox"]


def test_a_send_the_database_refuses_is_left_to_the_worker_and_pauses_sending_from_requests(
    smtp_sink, settings, caplog
):
    controller, maildir = smtp_sink
    settings.EMAIL_URL = f"smtp://{controller.hostname}:{controller.port}"
    in_a_request()
    email = queued()
    with connection.execute_wrapper(WritesRefused(times=None)):
        send_after_response.send_remembered()  # the claim's writes fail: nothing raised into the request
    assert outbox_log(caplog) == [
        ("ERROR", f"courriel {email.pk} : envoi après la réponse impossible ; le worker s'en charge"),
        ("WARNING", "envoi après la réponse suspendu 60 s : le worker envoie seul"),
    ]
    assert received(maildir) == []
    in_a_request()
    assert send_after_response.grace() == timedelta(0)  # paused: the workers take the next emails at once


def test_a_thread_that_never_served_a_request_neither_delays_its_emails_nor_fails_at_a_request_s_end(settings):
    """A periodic job's or a command's thread: no grace, and nothing remembered to send."""
    settings.EMAIL_URL = f"smtp://127.0.0.1:{free_port()}"
    seen: list[object] = []

    def elsewhere() -> None:
        try:
            seen.append(send_after_response.grace())
            send_after_response.send_remembered()
            seen.append("ended")
        except Exception as error:  # what the test fails on
            seen.append(error)

    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join()
    assert seen == [timedelta(0), "ended"]


def test_a_request_never_sends_an_email_a_worker_already_tried_even_when_due_again_within_the_grace_R_DLV1(
    smtp_sink, settings
):
    """Its retry belongs to the worker that tried it (with its back-off and the relay's slowing down)."""
    controller, maildir = smtp_sink
    settings.EMAIL_URL = f"smtp://{controller.hostname}:{controller.port}"
    settings.MONCOMPTE = replace(settings.MONCOMPTE, outbox_retry_base=timedelta(0))
    in_a_request()
    email = queued()
    claimed = claim_next(now=clock.now() + send_after_response.GRACE)  # a worker was quicker, and deferred
    assert claimed is not None
    assert deliver_one(claimed, Recording(refuse=True)) == AttemptOutcome.RETRY
    email.refresh_from_db()
    assert email.next_attempt_at < clock.now() + send_after_response.GRACE  # due again within the grace
    send_after_response.send_remembered()
    assert received(maildir) == []
    assert email.delivery_attempts.count() == 1


def test_a_pause_begun_by_another_request_meanwhile_leaves_this_request_s_email_to_the_worker(smtp_sink, settings):
    """Requests share their process's pause: one that finds the relay (here the database) in trouble while
    another is running makes that other one leave its email to the worker too, though it was queued before."""
    controller, maildir = smtp_sink
    settings.EMAIL_URL = f"smtp://{controller.hostname}:{controller.port}"
    in_a_request()
    email = queued()  # with its grace: sending from requests was not paused yet

    def another_request() -> None:
        in_a_request()
        queued("other@example.fr")
        with connection.execute_wrapper(WritesRefused(times=None)):
            send_after_response.send_remembered()  # its send fails: paused for the whole process
        connection.close()

    thread = threading.Thread(target=another_request)
    thread.start()
    thread.join()
    send_after_response.send_remembered()
    assert received(maildir) == []
    assert not email.delivery_attempts.exists()
