import re
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller

from moncompte.core import clock
from moncompte.core.conf import conf
from moncompte.outbox.delivery import WORKER_NAME, deliver_due
from moncompte.outbox.mail import enqueue
from moncompte.outbox.models import DeliveryAttempt, EmailStatus, OutboundEmail
from moncompte.outbox.sink import free_port, received, sink_start
from moncompte.outbox.transport import SmtpTransport
from moncompte.outbox.verp import envelope_sender

pytestmark = pytest.mark.django_db


def queue_code_email(now, to="camille@example.fr"):
    return enqueue(
        template="provisional_code",
        to=to,
        now=now,
        context={"first_name": "Camille", "last_name": "DURAND", "expires_at": now, "validity": "30 minutes"},
        secret_context={"code": "Ab3dEf7hJk"},
    )


def test_an_email_is_delivered_over_smtp_with_both_parts_and_the_attempt_logged_R_MAIL1(smtp_sink, now, traveller):
    controller, maildir = smtp_sink
    email = queue_code_email(now)
    assert deliver_due(transport=SmtpTransport(host=controller.hostname, port=controller.port)) == 1

    [item] = received(maildir)
    assert item.message["Subject"] == "Votre compte ameli - Votre code provisoire"
    assert item.message["From"].addresses[0].display_name == "Votre Assurance Maladie"
    assert "Ab3dEf7hJk" in item.text
    assert "Ab3dEf7hJk" in item.html
    email.refresh_from_db()
    assert email.status == EmailStatus.SENT
    [attempt] = email.delivery_attempts.all()
    assert attempt.outcome == "sent"
    assert attempt.smtp_reply.startswith("250")
    # R-DLV2: the envelope sender (where bounces go) names this message
    assert item.message["X-MailFrom"] == envelope_sender(email.pk)


def test_once_delivered_the_stored_copy_keeps_no_secret(smtp_sink, now, traveller):
    controller, _ = smtp_sink
    email = queue_code_email(now)
    deliver_due(transport=SmtpTransport(host=controller.hostname, port=controller.port))
    email.refresh_from_db()
    assert (email.body_text, email.body_html) == ("", "")
    assert "Ab3dEf7hJk" not in email.shown_text
    assert "••••" in email.shown_text


def test_server_down_then_up_delivers_exactly_once_R_MAIL1(tmp_path, now, traveller):
    port = free_port()
    transport = SmtpTransport(host="127.0.0.1", port=port, timeout=2)
    email = queue_code_email(now)

    assert deliver_due(transport=transport) == 1  # refused: nobody listens
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.PENDING, 1)
    assert email.next_attempt_at > now
    refused = email.delivery_attempts.get().smtp_reply
    assert refused.startswith("connexion impossible : [Errno"), refused  # support reads the system's own words
    assert deliver_due(transport=transport) == 0  # backing off: not due yet

    maildir = tmp_path / "mailbox"
    controller = sink_start(maildir=maildir, port=port)
    try:
        traveller.shift(timedelta(minutes=5))
        assert deliver_due(transport=transport) == 1
        traveller.shift(timedelta(hours=2))
        assert deliver_due(transport=transport) == 0
    finally:
        controller.stop()
    assert len(received(maildir)) == 1
    outcomes = list(DeliveryAttempt.objects.values_list("outcome", flat=True))
    assert outcomes == ["retry", "sent"]
    assert "connexion impossible" in DeliveryAttempt.objects.order_by("id")[0].smtp_reply


def test_retries_back_off_exponentially(now, traveller):
    transport = SmtpTransport(host="127.0.0.1", port=free_port(), timeout=2)
    email = queue_code_email(now)
    delays = []
    for _ in range(4):
        tried_at = clock.now()
        deliver_due(transport=transport)
        email.refresh_from_db()
        delays.append((email.next_attempt_at - tried_at).total_seconds())
        traveller.move_to(email.next_attempt_at)
    for delay, expected in zip(delays, [10, 20, 40, 80], strict=True):
        assert expected <= delay < expected + 1


class RefuseRecipients:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return "550 5.1.1 mailbox unavailable"


def test_a_permanent_refusal_is_not_retried(now, traveller):
    controller = Controller(RefuseRecipients(), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        email = queue_code_email(now)
        deliver_due(transport=SmtpTransport(host=controller.hostname, port=controller.port))
    finally:
        controller.stop()
    email.refresh_from_db()
    assert email.status == EmailStatus.FAILED
    assert DeliveryAttempt.objects.get().smtp_reply.startswith("550")


def test_a_delivered_email_is_not_delivered_again(smtp_sink, now, traveller):
    controller, maildir = smtp_sink
    for index in range(5):
        queue_code_email(now, to=f"p{index}@example.fr")
    transport = SmtpTransport(host=controller.hostname, port=controller.port)
    assert deliver_due(transport=transport) == 5
    traveller.shift(timedelta(hours=1))
    assert deliver_due(transport=transport) == 0
    assert len(received(maildir)) == 5
    assert OutboundEmail.objects.filter(status=EmailStatus.SENT).count() == 5


def test_the_demo_mailbox_accepts_mail_in_a_folder_left_half_made(tmp_path, now, traveller):
    maildir = tmp_path / "mailbox"
    maildir.mkdir()  # exists, but without cur/new/tmp
    controller = sink_start(maildir=maildir)
    try:
        queue_code_email(now)
        deliver_due(transport=SmtpTransport(host=controller.hostname, port=controller.port))
    finally:
        controller.stop()
    assert len(received(maildir)) == 1


def test_an_email_claimed_by_a_worker_that_died_is_sent_again_after_the_lease_with_the_same_message_id_R_DLV1(
    smtp_sink, now, traveller
):
    from moncompte.outbox.delivery import claim_next

    controller, maildir = smtp_sink
    email = queue_code_email(now)
    assert claim_next(now=now) is not None  # a worker takes it, then dies mid-exchange
    transport = SmtpTransport(host=controller.hostname, port=controller.port)
    assert deliver_due(transport=transport) == 0  # still leased to the dead worker
    traveller.shift(timedelta(minutes=5, seconds=1))
    assert deliver_due(transport=transport) == 1
    [mail] = received(maildir)
    assert mail.message["Message-ID"] == email.message_id
    outcomes = list(DeliveryAttempt.objects.order_by("id").values_list("outcome", "finished_at", "worker"))
    # support sees the interrupted try, closed when the row was claimed again, and which worker made each
    assert outcomes == [("unknown", clock.now(), WORKER_NAME), ("sent", clock.now(), WORKER_NAME)]


@pytest.mark.django_db(transaction=True)
def test_workers_running_side_by_side_send_each_email_once_R_MAIL1(smtp_sink, now):
    import threading

    from django.db import connection

    controller, maildir = smtp_sink
    for index in range(30):
        queue_code_email(now, to=f"p{index}@example.fr")
    transport = SmtpTransport(host=controller.hostname, port=controller.port)
    counts: list[int] = []

    def one_worker() -> None:
        try:
            counts.append(deliver_due(transport=transport))
        finally:
            connection.close()

    workers = [threading.Thread(target=one_worker) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sum(counts) == 30
    recipients = [str(m.message["To"]) for m in received(maildir)]
    assert sorted(recipients) == sorted(f"p{index}@example.fr" for index in range(30))
    assert DeliveryAttempt.objects.count() == 30


def test_the_message_id_is_random_and_at_the_sender_s_domain_R_DLV2(now, traveller):
    """A complaint names the message by its Message-ID: 128 random bits at our own domain, one per email."""
    ids = {queue_code_email(now).message_id for _ in range(3)}
    domain = conf().from_address.partition("@")[2]
    assert len(ids) == 3
    assert all(re.fullmatch(rf"<[0-9a-f]{{32}}@{re.escape(domain)}>", found) for found in ids), ids


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (RuntimeError("défaut du programme"), "retry"),  # may well work next time
        (UnicodeEncodeError("ascii", "é", 0, 1, "non ASCII"), "failed"),  # the message itself is at fault
        (ValueError("adresse illisible"), "failed"),
    ],
)
def test_an_email_that_fails_for_no_reason_a_relay_gives_is_logged_with_its_number_and_template(
    now, traveller, caplog, error, outcome
):
    class Broken:
        def send(self, message, *, sender):
            raise error

    email = queue_code_email(now)
    assert deliver_due(transport=Broken()) == 1
    [record] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert record.getMessage() == f"courriel {email.pk} (provisional_code) : erreur à l'envoi"
    assert record.exc_info is not None
    attempt = email.delivery_attempts.get()
    assert (attempt.outcome, attempt.smtp_reply) == (outcome, f"erreur interne : {type(error).__name__}")
    email.refresh_from_db()
    assert email.attempts == 1


def test_an_email_says_it_is_automatic_so_that_no_autoresponder_answers_it(smtp_sink, now, traveller):
    controller, maildir = smtp_sink
    queue_code_email(now)
    deliver_due(transport=SmtpTransport(host=controller.hostname, port=controller.port))
    [item] = received(maildir)
    assert item.message["Auto-Submitted"] == "auto-generated"  # RFC 3834
    assert item.message["List-Unsubscribe"] is None  # a code is no mailing list


def test_a_promotional_notice_goes_with_its_one_click_unsubscribe_header_R_MSG7(smtp_sink, now, traveller):
    controller, maildir = smtp_sink
    link = "https://moncompte.example/desabonnement/jeton-de-test/"
    context = {"first_name": "Camille", "last_name": "DURAND", "promotional": True}
    secret = {"unsubscribe_url": link}
    enqueue(template="message_notice", to="camille@example.fr", now=now, context=context, secret_context=secret,
            list_unsubscribe=link)  # fmt: skip
    deliver_due(transport=SmtpTransport(host=controller.hostname, port=controller.port))
    [item] = received(maildir)
    assert item.message["List-Unsubscribe"] == f"<{link}>"
    assert item.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"  # RFC 8058, to the letter
