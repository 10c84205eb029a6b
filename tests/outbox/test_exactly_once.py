"""R-DLV1: one message at a time under a lease, fencing, a stable Message-ID, the attempt written before the
exchange, a clean stop, and the retention of finished emails."""

import logging
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest
from prometheus_client import REGISTRY

from moncompte.core import clock
from moncompte.core.conf import conf
from moncompte.core.request_context import current_request_id, request_id_set
from moncompte.outbox import pacing
from moncompte.outbox.delivery import Claimed, _deliver_then_claim, claim_next, deliver_due, deliver_one
from moncompte.outbox.message import Outgoing
from moncompte.outbox.models import AttemptOutcome, DeliveryAttempt, EmailStatus, OutboundEmail
from moncompte.outbox.providers import provider_of
from moncompte.outbox.retention import outbox_purge
from moncompte.outbox.sink import received
from moncompte.outbox.transport import DeliveryFailed, SmtpTransport
from tests.outbox.test_delivery import queue_code_email

pytestmark = pytest.mark.django_db


class Recording:
    """A transport that keeps what it is handed (the SMTP exchange itself is tested over real SMTP)."""

    def __init__(self, *, refuse: bool = False, then: threading.Event | None = None) -> None:
        self.sent: list[Outgoing] = []
        self.refuse, self.then = refuse, then

    def send(self, message: Outgoing, *, sender: str) -> str:
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


def test_an_email_queued_without_a_message_id_gets_one_at_its_first_claim_and_keeps_it_R_DLV1(now, traveller):
    """Rows queued before enqueue chose the Message-ID have none: the claim chooses it, once."""
    email = queue_code_email(now)
    OutboundEmail.objects.filter(pk=email.pk).update(message_id="")
    transport = Recording(refuse=True)
    deliver_due(transport=transport)
    email.refresh_from_db()
    assert email.message_id.startswith("<")
    traveller.shift(timedelta(minutes=1))
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


class Watching:
    """A transport that notes, as each message is handed over, what the database says of the others."""

    def __init__(self) -> None:
        self.seen: list[dict[str, tuple[str, list[str]]]] = []

    def send(self, message: Outgoing, *, sender: str) -> str:
        self.seen.append(
            {
                email.to_address: (email.status, [a.outcome for a in email.delivery_attempts.all()])
                for email in OutboundEmail.objects.order_by("pk")
            }
        )
        return "250 OK"


def test_the_next_message_is_claimed_in_the_transaction_that_writes_the_outcome_its_attempt_before_its_exchange_R_DLV1(
    now, traveller
):
    """One commit per message: when the second message is handed over, the first is sent and its attempt
    complete, and the second's attempt says "sending" (written before the exchange); the third is untouched."""
    for index in range(3):
        queue_code_email(now, to=f"p{index}@example.fr")
    transport = Watching()
    assert deliver_due(transport=transport) == 3
    assert transport.seen[1] == {
        "p0@example.fr": (EmailStatus.SENT, [AttemptOutcome.SENT]),
        "p1@example.fr": (EmailStatus.PENDING, [AttemptOutcome.SENDING]),
        "p2@example.fr": (EmailStatus.PENDING, []),
    }
    assert set(OutboundEmail.objects.values_list("status", "claim")) == {(EmailStatus.SENT, 1)}


def test_a_stop_during_an_exchange_claims_nothing_more_R_DLV1(now, traveller):
    for index in range(2):
        queue_code_email(now, to=f"p{index}@example.fr")
    stop = threading.Event()
    assert deliver_due(transport=Recording(then=stop), stop=stop) == 1
    waiting = OutboundEmail.objects.get(to_address="p1@example.fr")
    assert (waiting.status, waiting.claim, waiting.delivery_attempts.count()) == (EmailStatus.PENDING, 0, 0)


class ExchangeOutlivingTheLease:
    """A real SMTP exchange during which the worker's lease runs out and `meanwhile` happens (another worker
    claims the row): the worker passed its lease check in time, only the claim can stop its write."""

    def __init__(self, relay: SmtpTransport, meanwhile: Callable[[], None]) -> None:
        self.relay, self.meanwhile = relay, meanwhile

    def send(self, message: Outgoing, *, sender: str) -> str:
        self.meanwhile()
        return self.relay.send(message, sender=sender)


def assert_held_by(holder: Claimed) -> None:
    """The row is pending and leased to `holder`: nobody else's outcome was written to it."""
    row = OutboundEmail.objects.get(pk=holder.email.pk)
    assert (row.status, row.claim, row.next_attempt_at) == (EmailStatus.PENDING, holder.claim, holder.lease_until)


@pytest.mark.parametrize("late_by", [timedelta(0), timedelta(seconds=1)])
def test_a_worker_past_its_lease_sends_nothing_R_DLV1(smtp_sink, now, traveller, late_by, caplog):
    """The lease fence: a worker that comes back at or after the end of its lease sends nothing (the claim
    fence cannot help here: it only stops the write after the exchange). Checked at the SMTP server."""
    controller, maildir = smtp_sink
    relay = SmtpTransport(host=controller.hostname, port=controller.port)
    email = queue_code_email(now)
    late = claim_next(now=now)
    assert late is not None
    traveller.move_to(late.lease_until + late_by)
    current = claim_next(now=clock.now())
    assert current is not None
    outcome = deliver_one(late, relay)
    assert received(maildir) == []  # what reached the SMTP server, not what the worker says
    assert outcome is AttemptOutcome.UNKNOWN
    assert caplog.messages == [f"courriel {email.pk} : bail expiré avant l'envoi, rien n'est envoyé"]
    assert_held_by(current)
    assert deliver_one(current, relay) is AttemptOutcome.SENT
    assert [m.message["Message-ID"] for m in received(maildir)] == [email.message_id]


@pytest.mark.parametrize("asked", [True, False])
def test_a_worker_past_its_lease_claims_the_next_message_only_if_asked_R_DLV1(now, traveller, asked):
    """deliver_due asks for the next message with each outcome, the one of a lease run out before sending too."""
    queue_code_email(now, to="late@example.fr")
    waiting = queue_code_email(now, to="next@example.fr")
    late = claim_next(now=now)
    assert late is not None
    traveller.move_to(late.lease_until)
    transport = Recording()
    outcome, following = _deliver_then_claim(late, transport, then_claim=lambda: asked)
    assert (outcome, transport.sent) == (AttemptOutcome.UNKNOWN, [])
    waiting.refresh_from_db()
    if asked:
        assert following is not None
        assert (following.email.pk, following.claimed_at, waiting.claim) == (waiting.pk, clock.now(), 1)
    else:
        assert (following, waiting.claim) == (None, 0)


def test_the_claim_that_follows_an_outcome_takes_a_message_being_retried_too_R_DLV1(now, traveller):
    retried = queue_code_email(now, to="retried@example.fr")
    deliver_due(transport=Recording(refuse=True))
    queue_code_email(clock.now(), to="new@example.fr")
    traveller.shift(timedelta(minutes=1))
    transport = Recording()
    assert deliver_due(transport=transport) == 2  # the new one first (due sooner), then in the same run the other
    assert [m["To"] for m in transport.sent] == ["new@example.fr", "retried@example.fr"]
    retried.refresh_from_db()
    assert (retried.status, retried.claim) == (EmailStatus.SENT, 2)


LABELS = {"template": "provisional_code", "provider": provider_of("camille@example.fr")}


def sample(name: str, labels: dict[str, str] = LABELS) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_a_message_sent_is_counted_once_by_template_and_provider(now, traveller, django_capture_on_commit_callbacks):
    """With the time it took from enqueue to the relay's 250, by template."""
    queue_code_email(now)
    timed = {"template": "provisional_code"}
    before = [sample("moncompte_emails_delivered_total"), sample("moncompte_email_delivery_seconds_count", timed)]
    before.append(sample("moncompte_email_delivery_seconds_sum", timed))
    traveller.shift(timedelta(seconds=3))
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver_due(transport=Recording()) == 1
    assert sample("moncompte_emails_delivered_total") == before[0] + 1
    assert sample("moncompte_email_delivery_seconds_count", timed) == before[1] + 1
    assert sample("moncompte_email_delivery_seconds_sum", timed) == pytest.approx(before[2] + 3)


def test_a_message_given_up_is_counted_failed_once_and_a_retry_not_at_all(
    now, traveller, django_capture_on_commit_callbacks
):
    queue_code_email(now)
    before = sample("moncompte_emails_failed_total")
    with django_capture_on_commit_callbacks(execute=True):
        deliver_due(transport=Recording(refuse=True))  # 421: tried again later
    assert sample("moncompte_emails_failed_total") == before

    class Refusing(Recording):
        def send(self, message: Outgoing, *, sender: str) -> str:
            raise DeliveryFailed("550 5.1.1 destinataire inconnu", permanent=True)

    traveller.shift(timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver_due(transport=Refusing()) == 1
    assert sample("moncompte_emails_failed_total") == before + 1


def test_the_server_reply_is_kept_with_the_attempt_up_to_2000_characters(now, traveller):
    email = queue_code_email(now)
    long_refusal = "421 " + "trop de connexions " * 200

    class Verbose(Recording):
        def send(self, message: Outgoing, *, sender: str) -> str:
            raise DeliveryFailed(long_refusal, permanent=False)

    deliver_due(transport=Verbose())
    assert DeliveryAttempt.objects.get(email=email).smtp_reply == long_refusal[:2000]


def test_the_worker_sends_under_the_id_of_the_request_that_queued_the_email(now, traveller):
    """Its log lines about the email then name that request."""
    with request_id_set("req-4242"):
        queue_code_email(now)
    seen: list[str] = []

    class Noting(Recording):
        def send(self, message: Outgoing, *, sender: str) -> str:
            seen.append(current_request_id())
            return super().send(message, sender=sender)

    deliver_due(transport=Noting())
    assert (seen, current_request_id()) == (["req-4242"], "-")


def test_each_outcome_is_logged_with_its_email_its_template_and_the_server_reply(now, traveller, caplog):
    caplog.set_level(logging.INFO, logger="moncompte.outbox")
    email = queue_code_email(now)
    transport = Recording(refuse=True)
    deliver_due(transport=transport)
    traveller.shift(timedelta(minutes=1))
    transport.refuse = False
    deliver_due(transport=transport)
    assert [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "moncompte.outbox"] == [
        ("WARNING", f"courriel {email.pk} (provisional_code) : échec, retry : 421 essayez plus tard"),
        ("INFO", f"courriel {email.pk} (provisional_code) remis : 250 OK"),
    ]


def test_a_worker_whose_claim_was_taken_during_its_exchange_leaves_the_row_to_the_new_holder_R_DLV1(
    smtp_sink, now, traveller, caplog
):
    """The claim fence: the late worker checked its lease in time, then its exchange outlived it and another
    worker claimed the row. Its outcome is written to its own attempt, never to the row, which stays the new
    holder's: pending, leased to it, with the body it will send (the lease fence cannot help: it was passed)."""
    controller, maildir = smtp_sink
    relay = SmtpTransport(host=controller.hostname, port=controller.port)
    email = queue_code_email(now)
    late = claim_next(now=now)
    assert late is not None
    taken: list[Claimed] = []

    def another_worker_claims() -> None:
        traveller.move_to(late.lease_until + timedelta(seconds=1))
        taken.append(claim_next(now=clock.now()) or pytest.fail("the row was not claimable"))

    assert deliver_one(late, ExchangeOutlivingTheLease(relay, another_worker_claims)) is AttemptOutcome.SENT
    [current] = taken
    assert_held_by(current)
    email.refresh_from_db()
    assert (email.attempts, email.sent_at) == (0, None)
    assert "Ab3dEf7hJk" in email.body_text
    assert DeliveryAttempt.objects.get(pk=late.attempt_id).outcome == AttemptOutcome.SENT  # support sees it went
    lost = f"courriel {email.pk} : bail perdu pendant l'envoi (sent)"
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == [lost]  # the late worker's
    assert deliver_one(current, relay) is AttemptOutcome.SENT
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == [lost]  # the holder's: no error
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.SENT, 1)
    # Sent twice, as SMTP allows at worst, under one Message-ID the receiving side can tell apart.
    assert [m.message["Message-ID"] for m in received(maildir)] == [email.message_id] * 2


def test_a_stop_request_ends_delivery_after_the_current_message(now, traveller):
    for index in range(3):
        queue_code_email(now, to=f"p{index}@example.fr")
    stop = threading.Event()
    assert deliver_due(transport=Recording(then=stop), stop=stop) == 1
    assert OutboundEmail.objects.filter(status=EmailStatus.PENDING).count() == 2


@pytest.mark.parametrize("limit", ["stop", "at_most"])
def test_a_stop_requested_or_a_limit_of_none_before_delivery_claims_nothing_R_DLV1(now, traveller, limit):
    email = queue_code_email(now)
    stop = threading.Event()
    stop.set()
    transport = Recording()
    tried = (
        deliver_due(transport=transport, stop=stop) if limit == "stop" else deliver_due(transport=transport, at_most=0)
    )
    assert tried == 0
    assert transport.sent == []
    email.refresh_from_db()
    assert (email.status, email.claim, email.delivery_attempts.count()) == (EmailStatus.PENDING, 0, 0)


def test_finished_emails_are_deleted_after_the_retention_period_pending_ones_never_R_DLV1(now, traveller, settings):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, outbox_retention_days=90)
    sent, pending = queue_code_email(now, to="sent@example.fr"), queue_code_email(now, to="stuck@example.fr")
    claimed = claim_next(now=now)
    assert claimed is not None
    deliver_one(claimed, Recording())
    assert outbox_purge(now=now + timedelta(days=89)) == 0
    assert outbox_purge(now=now + timedelta(days=90, seconds=1)) == 1
    assert not OutboundEmail.objects.filter(pk=sent.pk).exists()
    assert not DeliveryAttempt.objects.filter(email_id=sent.pk).exists()
    assert OutboundEmail.objects.filter(pk=pending.pk).exists()


def test_a_failing_claim_of_the_next_message_costs_nothing_of_the_outcome_written_with_it_R_DLV1(
    now, traveller, monkeypatch, caplog
):
    """The next claim runs under a savepoint in the outcome's transaction: if it fails, the outcome still
    commits (the server's answer is worth more), and the next message is left as it was, for a later claim."""
    for index in range(2):
        queue_code_email(now, to=f"p{index}@example.fr")

    class Refusing(Recording):
        def send(self, message: Outgoing, *, sender: str) -> str:
            def broken(*args: object, **kwargs: object) -> None:
                raise RuntimeError("prise impossible")

            monkeypatch.setattr(pacing, "slot_start", broken)  # the claim that follows this exchange
            return super().send(message, sender=sender)

    assert deliver_due(transport=Refusing()) == 1
    first, second = OutboundEmail.objects.order_by("pk")
    assert (first.status, list(first.delivery_attempts.values_list("outcome", flat=True))) == (
        EmailStatus.SENT,
        [AttemptOutcome.SENT],
    )
    assert (second.status, second.claim, second.delivery_attempts.count()) == (EmailStatus.PENDING, 0, 0)
    assert "prise du courriel suivant en échec ; l'issue du précédent est écrite" in caplog.messages


def test_an_outcome_is_written_to_its_own_email_only_not_to_another_held_with_the_same_claim_number_R_DLV1(
    now, traveller
):
    """Two workers each hold a message, both at their first claim (claim number 1): one finishing writes its own
    row, and the other's stays in hand, pending under its lease."""
    queue_code_email(now, to="camille@example.fr")
    queue_code_email(now, to="dominique@example.fr")
    first, second = claim_next(now=now), claim_next(now=now)
    assert first is not None
    assert second is not None
    assert first.claim == second.claim == 1
    deliver_one(first, Recording())
    assert OutboundEmail.objects.get(pk=first.email.pk).status == EmailStatus.SENT
    other = OutboundEmail.objects.get(pk=second.email.pk)
    assert (other.status, other.attempts, other.next_attempt_at) == (EmailStatus.PENDING, 0, second.lease_until)
    assert DeliveryAttempt.objects.get(pk=second.attempt_id).outcome == AttemptOutcome.SENDING


def test_a_message_still_deferred_at_its_give_up_age_is_given_up_and_not_a_second_before(now, traveller):
    """A relay that keeps answering 4xx: retried until `outbox_give_up_after` from enqueue, then failed."""
    oldest = queue_code_email(now, to="oldest@example.fr")
    younger = queue_code_email(now + timedelta(seconds=1), to="younger@example.fr")
    traveller.move_to(now + conf().outbox_give_up_after)  # the oldest is exactly that old, the other 1 s less
    assert deliver_due(transport=Recording(refuse=True)) == 2
    oldest.refresh_from_db()
    younger.refresh_from_db()
    assert (oldest.status, younger.status) == (EmailStatus.FAILED, EmailStatus.PENDING)


def test_a_first_lane_sender_past_its_lease_claims_no_notification_next_R_DLV1_R_DLV5(now, traveller):
    """The sender kept for codes and links (R-DLV5), late past its lease (another worker sent its code
    meanwhile): the claim that follows is of its lane too, and only a notification is due."""
    from moncompte.outbox.mail import Outgoing, enqueue_many
    from moncompte.outbox.models import Lane

    queue_code_email(now, to="late@example.fr")
    late = claim_next(now=now, first_lane_only=True)
    assert late is not None
    notice = Outgoing("n@example.fr", {"first_name": "Alix", "last_name": "DURAND", "promotional": False})
    enqueue_many(template="message_notice", outgoing=[notice], now=now, lane=Lane.NOTIFICATIONS)
    traveller.move_to(late.lease_until)
    other = claim_next(now=clock.now(), first_lane_only=True)
    assert other is not None
    assert deliver_one(other, Recording()) is AttemptOutcome.SENT
    _, following = _deliver_then_claim(late, Recording(), then_claim=lambda: True, first_lane_only=True)
    assert following is None
