"""Delivering the outbox exactly once, as far as SMTP allows (R-MAIL1, R-DLV1).

One message at a time: a worker claims a row under a short lease, renewed while it sends (lease.py), and a
fencing number (`claim`) that grows at every claim. The attempt is written in the claiming transaction, before
the exchange; the outcome and the row's new state are written together after it, only by the worker
whose claim is still the row's. A worker that dies between the end of the message and that write leaves an
attempt "sending": whoever claims the row next, once the lease has run out, marks it "unknown" (support sees
it) and sends again with the same Message-ID, chosen at enqueue, so the receiving side can tell it is the same
message. A server that got the whole message and never answered is "no answer": the message may be there, so
it is not sent again before the server could have answered (OUTBOX_NO_ANSWER_HOLD), then retried.
"""

import contextlib
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import Error as DatabaseFailure
from django.db import connection, transaction

from moncompte.core import clock, metrics
from moncompte.core.conf import conf
from moncompte.core.request_context import request_id_set
from moncompte.outbox import pacing, queries
from moncompte.outbox.lease import LeaseKept
from moncompte.outbox.message import message_out, new_message_id
from moncompte.outbox.models import AttemptOutcome, DeliveryAttempt, EmailStatus, Lane, OutboundEmail
from moncompte.outbox.providers import provider_of
from moncompte.outbox.transport import DeliveryFailed, Transport
from moncompte.outbox.verp import envelope_sender

logger = logging.getLogger("moncompte.outbox")
WORKER_NAME = f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class Claimed:
    email: OutboundEmail
    claim: int  # the fencing number: the row is this worker's while its `claim` is still this
    attempt_id: int
    claimed_at: datetime
    lease_until: datetime  # renewed while the message is being sent (lease.py)


def lease() -> timedelta:
    return timedelta(seconds=conf().outbox_lease_seconds)


def claim_next(
    *,
    now: datetime,
    email_id: int | None = None,
    never_claimed: bool = False,
    due_by: datetime | None = None,
    lease_for: timedelta | None = None,
    first_lane_only: bool = False,
) -> Claimed | None:
    """Takes the next due message for this worker (other workers skip it), and writes its attempt: the first
    lane's oldest due, else the notifications' (R-DLV5). With
    `email_id`, only that message if due by `due_by` (default: now); with `never_claimed`, only if nobody has
    ever claimed it (the request that queued it sends it before it is due for the workers:
    send_after_response.py); `lease_for` shortens the lease for a claimer that must be done sooner (a web
    process); `first_lane_only`, codes and links only (a worker's sender kept for them: R-DLV5). Inside a
    transaction (an outcome's: _claim_after), the claim is a savepoint of it."""
    # A block, not the decorator: mutmut leaves decorated functions unmutated (docs/mutation.md).
    with transaction.atomic():
        lane = Lane.FIRST if first_lane_only else None
        email = _next_unpaced(now, due_by=due_by or now, email_id=email_id, never_claimed=never_claimed, lane=lane)
        if email is None:
            return None
        if email.claim:  # a worker that held this row died mid-exchange: the server may or may not have the message
            email.delivery_attempts.filter(outcome=AttemptOutcome.SENDING).update(
                outcome=AttemptOutcome.UNKNOWN, finished_at=now
            )
        email.claim += 1
        email.message_id = email.message_id or new_message_id()
        until = now + (lease_for or lease())
        attempt = DeliveryAttempt(email=email, at=now, outcome=AttemptOutcome.SENDING, worker=WORKER_NAME)
        claimed = {"claim": email.claim, "message_id": email.message_id, "next_attempt_at": until, "slot_at": None}
        queries.claim_write(email_id=email.pk, email=claimed, attempt=attempt)
        return Claimed(email=email, claim=email.claim, attempt_id=attempt.pk, claimed_at=now, lease_until=until)


# R-DLV6: at most this many notifications sent back to their provider's slot in one claim.
DEFERRALS_PER_CLAIM = 200


def _next_unpaced(
    now: datetime, *, due_by: datetime, email_id: int | None, never_claimed: bool, lane: Lane | None
) -> OutboundEmail | None:
    """The first lane's oldest due, else the notifications' (R-DLV5), the support's masked copy not read; a
    notification whose provider's next slot is later waits for it (R-DLV6), and the next one is taken."""
    for _ in range(DEFERRALS_PER_CLAIM):
        email = queries.due_first(due_by=due_by, email_id=email_id, never_claimed=never_claimed, lane=lane)
        if email is None or (start := pacing.slot_start(email, now=now)) is None:
            return email
        queries.email_change(email.pk, {"next_attempt_at": start, "slot_at": start})
        due_by = min(due_by, now)  # a claim ahead of time (a request's grace) never takes a slot before it comes
    return None


def _backoff(attempts: int) -> timedelta:
    config = conf()
    delay: timedelta = min(config.outbox_retry_base * 2 ** max(0, attempts - 1), config.outbox_retry_cap)
    return delay + timedelta(milliseconds=secrets.randbelow(1000))


def _exchange(claimed: Claimed, transport: Transport) -> tuple[AttemptOutcome, str]:
    """The SMTP exchange, outside any transaction; never raises."""
    email = claimed.email
    try:
        message = message_out(email, now=clock.now())
        return AttemptOutcome.SENT, transport.send(message, sender=envelope_sender(email.pk))
    except DeliveryFailed as failure:
        if failure.unknown:  # the server may have it: never given up on, never sent again at once
            return AttemptOutcome.NO_ANSWER, failure.reply
        permanent = failure.permanent
        reply = failure.reply
    except Exception as error:  # one message that cannot be built or sent never holds back the others
        logger.exception("courriel %s (%s) : erreur à l'envoi", email.pk, email.template)
        permanent = isinstance(error, UnicodeError | ValueError | TypeError)  # the message itself is at fault
        reply = f"erreur interne : {type(error).__name__}"
    gave_up = permanent or clock.now() - email.created_at >= conf().outbox_give_up_after
    return (AttemptOutcome.FAILED if gave_up else AttemptOutcome.RETRY), reply


# What carries a code, a link or a token: gone from the row once it left or was given up.
EMPTIED = {"body_text": "", "body_html": "", "list_unsubscribe": ""}


def _complete(
    claimed: Claimed,
    outcome: AttemptOutcome,
    reply: str,
    *,
    then_claim: Callable[[], bool] = lambda: False,
    first_lane_only: bool = False,
) -> tuple[bool, Claimed | None]:
    """Writes the outcome and the row's new state in one transaction; False if the claim was lost. If
    `then_claim()`, the same transaction claims the next message (one commit per message, not two: the
    commit waits for the disk); the claim is what claim_next would have taken at this moment."""
    at, claim_more = clock.now(), then_claim()
    attempts = claimed.email.attempts + 1
    change: dict[str, object] = {"attempts": attempts}
    if outcome is AttemptOutcome.SENT:
        change |= {"status": EmailStatus.SENT, "sent_at": at, **EMPTIED}
    elif outcome is AttemptOutcome.FAILED:  # given up: the stored copy keeps no code or link
        change |= {"status": EmailStatus.FAILED, **EMPTIED}
    elif outcome is AttemptOutcome.NO_ANSWER:  # not again before the server could have answered (RFC 5321)
        change |= {"next_attempt_at": at + conf().outbox_no_answer_hold}
    else:
        change |= {"next_attempt_at": at + _backoff(attempts)}
    # A code's or a link's outcome alone is one statement: no BEGIN and COMMIT around it (issue 22).
    alone = not claim_more and claimed.email.lane == Lane.FIRST
    with contextlib.nullcontext() if alone else transaction.atomic():
        held = queries.outcome_write(
            attempt_id=claimed.attempt_id,
            attempt={"outcome": outcome, "smtp_reply": reply[:2000], "finished_at": at},
            email_id=claimed.email.pk,
            claim=claimed.claim,
            email=change,
        )
        if held:  # a worker that lost its claim does not count the message a second time
            _count(claimed.email, outcome, at=at)
            if outcome is AttemptOutcome.RETRY:
                pacing.slowed_down(claimed.email, reply, now=at)  # R-DLV6: a 4xx slows its provider down
        following = _claim_after(at, first_lane_only=first_lane_only) if claim_more else None
        if all(each is None or each.email.lane == Lane.NOTIFICATIONS for each in (claimed, following)):
            queries.commit_without_waiting_for_the_disk()  # R-DLV7: never for a code's or a link's transaction
        return held, following


def _claim_after(at: datetime, *, first_lane_only: bool) -> Claimed | None:
    """The next claim, in the transaction of an outcome but under a savepoint of its own: a claim that fails
    (other than the connection itself) costs nothing of the outcome, which is worth more (R-DLV1)."""
    try:
        return claim_next(now=at, first_lane_only=first_lane_only)  # its atomic block is the savepoint
    except Exception:
        logger.exception("prise du courriel suivant en échec ; l'issue du précédent est écrite")
        return None


def _count(email: OutboundEmail, outcome: AttemptOutcome, *, at: datetime) -> None:
    labels = (email.template, provider_of(email.to_address))
    if outcome is AttemptOutcome.SENT:
        metrics.after_commit(metrics.emails_delivered.labels(*labels).inc)
        seconds = (at - email.created_at).total_seconds()
        metrics.after_commit(lambda: metrics.delivery_seconds.labels(email.template).observe(seconds))
    elif outcome is AttemptOutcome.FAILED:
        metrics.after_commit(metrics.emails_failed.labels(*labels).inc)


def _complete_despite_outages(
    claimed: Claimed,
    outcome: AttemptOutcome,
    reply: str,
    *,
    lease_until: datetime,
    then_claim: Callable[[], bool] = lambda: False,
    first_lane_only: bool = False,
) -> Claimed | None:
    """The server has answered: its answer is worth keeping through a database outage, for as long as the
    lease holds (after it, another worker may send again, with the same Message-ID). Returns the next message
    claimed with it, if `then_claim()`."""
    while True:
        try:
            held, following = _complete(claimed, outcome, reply, then_claim=then_claim, first_lane_only=first_lane_only)
            if not held:
                logger.error("courriel %s : bail perdu pendant l'envoi (%s)", claimed.email.pk, outcome)
            return following
        except DatabaseFailure:
            if clock.now() >= lease_until:
                logger.exception(
                    "courriel %s : issue %s non enregistrée (base indisponible)", claimed.email.pk, outcome
                )
                raise
            logger.warning("courriel %s : base indisponible, issue %s gardée en mémoire", claimed.email.pk, outcome)
            time.sleep(0.5)
            with contextlib.suppress(DatabaseFailure):
                connection.close()  # the next try opens a new one


def deliver_one(claimed: Claimed, transport: Transport) -> AttemptOutcome:
    return _deliver_then_claim(claimed, transport)[0]


def _deliver_then_claim(
    claimed: Claimed,
    transport: Transport,
    *,
    then_claim: Callable[[], bool] = lambda: False,
    first_lane_only: bool = False,
) -> tuple[AttemptOutcome, Claimed | None]:
    """Delivers `claimed`; if `then_claim()` once the server has answered, claims the next message (of the
    first lane only, with `first_lane_only`) in the transaction that writes the outcome."""
    # The worker's log lines about this email carry the id of the web request that caused it.
    with request_id_set(claimed.email.request_id):
        return _deliver(claimed, transport, then_claim=then_claim, first_lane_only=first_lane_only)


def _deliver(
    claimed: Claimed, transport: Transport, *, then_claim: Callable[[], bool], first_lane_only: bool
) -> tuple[AttemptOutcome, Claimed | None]:
    email = claimed.email
    if clock.now() >= claimed.lease_until:  # fencing: a worker late past its lease never sends
        logger.error("courriel %s : bail expiré avant l'envoi, rien n'est envoyé", email.pk)
        following = claim_next(now=clock.now(), first_lane_only=first_lane_only) if then_claim() else None
        return AttemptOutcome.UNKNOWN, following
    with LeaseKept(
        email_id=email.pk,
        claim=claimed.claim,
        lease_until=claimed.lease_until,
        length=claimed.lease_until - claimed.claimed_at,
        transport=transport,
    ) as kept:
        outcome, reply = _exchange(claimed, transport)
    following = _complete_despite_outages(
        claimed,
        outcome,
        reply,
        lease_until=kept.lease_until,
        then_claim=then_claim,
        first_lane_only=first_lane_only,
    )
    if outcome is AttemptOutcome.SENT:
        logger.info("courriel %s (%s) remis : %s", email.pk, email.template, reply)
    else:
        logger.warning("courriel %s (%s) : échec, %s : %s", email.pk, email.template, outcome, reply)
    return outcome, following


def deliver_due(
    *,
    transport: Transport,
    stop: threading.Event | None = None,
    at_most: int | None = None,
    first_lane_only: bool = False,
) -> int:
    """Delivers due messages one at a time until none is due, `stop` is set or `at_most` were tried (with
    `first_lane_only`, codes and links only: R-DLV5). Returns how many were tried. Each message's outcome is
    written with the claim of the next (one commit per message)."""
    should_stop: Callable[[], bool] = stop.is_set if stop is not None else (lambda: False)
    tried = 0

    def more() -> bool:  # asked once the server has answered: a stop during the exchange claims nothing more
        return (at_most is None or tried < at_most) and not should_stop()

    claimed = claim_next(now=clock.now(), first_lane_only=first_lane_only) if more() else None
    while claimed is not None:
        tried += 1
        _, claimed = _deliver_then_claim(claimed, transport, then_claim=more, first_lane_only=first_lane_only)
    return tried
