"""Mail in milliseconds (issue 13): the web process that queued an email sends it itself, right after its
response has gone out, instead of waiting for a worker to get its share of the processor.

The worker stays the safety net: it is woken at commit too, and whichever claims the row first sends it (the
claim's row lock, lease and fencing number make it exactly one of them, R-DLV1). A relay that refuses, fails or
answers slowly pauses this for a minute in this process, leaving everything to the worker: a bad relay never
holds the web processes. Nothing here ever raises into the request.
"""

import dataclasses
import logging
import threading
import time
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction

from moncompte.core import clock
from moncompte.core.conf import conf
from moncompte.outbox import queries
from moncompte.outbox.delivery import WORKER_NAME, Claimed, claim_next, deliver_one
from moncompte.outbox.message import new_message_id
from moncompte.outbox.models import AttemptOutcome, DeliveryAttempt
from moncompte.outbox.transport import SmtpTransport

logger = logging.getLogger("moncompte.outbox")

SLOW_SECONDS = 1.0  # an exchange longer than this pauses sending from web processes
# An email a request will send is due for workers only this much later: they take it if the request could not.
GRACE = timedelta(seconds=2)
PAUSE_SECONDS = 60.0
# The send up to the end of the message, connection included, has EXCHANGE_SECONDS; then the relay has
# REPLY_SECONDS to answer (giving up sooner would leave a message it has in doubt: R-DLV1); together well inside
# gunicorn's 30 s per request. The claim lasts LEASE, renewed while sending (lease.py), within which the outcome
# is written even through a short database outage.
EXCHANGE_SECONDS = 8.0
REPLY_SECONDS = 15.0
LEASE = timedelta(seconds=20)
PER_REQUEST = 5  # a request queues one or two emails; more are left to the worker
_state = threading.local()
_paused_until = 0.0


def enabled() -> bool:
    return bool(settings.EMAIL_URL) and bool(conf().outbox_send_after_response)


def _remembered() -> list[int]:
    if not hasattr(_state, "ids"):
        _state.ids = []
    ids: list[int] = _state.ids
    return ids


def grace() -> timedelta:
    """How much later than now an email queued now is due for the workers: GRACE inside a request that will
    send it, none elsewhere (a worker's job, a command) or while sending from requests is paused."""
    if getattr(_state, "in_request", False) and enabled() and time.monotonic() >= _paused_until:
        return GRACE
    return timedelta(0)


def remember(email_id: int) -> None:
    """Called when an email is queued with a grace: once its transaction commits, this request sends it at its
    end."""
    transaction.on_commit(lambda: _remembered().append(email_id) if len(_remembered()) < PER_REQUEST else None)


def forget(**_: Any) -> None:
    """At the start of a request: nothing left from another one."""
    _remembered().clear()
    _state.in_request = True


_relay: SmtpTransport | None = None


def _transport() -> SmtpTransport:
    global _relay
    if _relay is None:
        # Short deadlines: this runs in a web process, which must be back to serving soon whatever the relay does.
        relay = SmtpTransport.from_url(settings.EMAIL_URL, keep_idle=10.0)
        _relay = dataclasses.replace(relay, timeout=4.0, exchange_timeout=EXCHANGE_SECONDS, reply_timeout=REPLY_SECONDS)
    return _relay


def reset() -> None:
    """Closes this process's connection to the relay and resumes sending (tests, configuration changes)."""
    global _relay, _paused_until
    if _relay is not None:
        _relay.close()
    _relay, _paused_until = None, 0.0
    _remembered().clear()
    _state.in_request = False


def send_remembered(**_: Any) -> None:
    """At the end of a request (its response sent): the emails it queued, if no worker took them first."""
    global _paused_until
    ids = list(_remembered())
    _remembered().clear()
    _state.in_request = False
    if not ids or time.monotonic() < _paused_until:
        return
    for email_id in ids:
        started = time.monotonic()
        try:
            claimed = _claim(email_id, now=clock.now())
            if claimed is None:  # a worker was quicker
                continue
            outcome = deliver_one(claimed, _transport())
        except Exception:
            logger.exception("courriel %s : envoi après la réponse impossible ; le worker s'en charge", email_id)
            outcome = AttemptOutcome.UNKNOWN
        # A refusal of one recipient (FAILED) says nothing of the relay: only a relay in trouble (RETRY: no
        # connection, a 4xx, the deadline; no answer to a whole message) or slow pauses, so a typed address
        # cannot pause everyone's mail.
        troubled = outcome in (AttemptOutcome.RETRY, AttemptOutcome.UNKNOWN, AttemptOutcome.NO_ANSWER)
        if troubled or time.monotonic() - started > SLOW_SECONDS:
            _paused_until = time.monotonic() + PAUSE_SECONDS
            logger.warning("envoi après la réponse suspendu %d s : le worker envoie seul", PAUSE_SECONDS)
            return


def _claim(email_id: int, *, now: datetime) -> Claimed | None:
    """The email, unless a worker took it: a code or a link in one statement (queries.unclaimed_claim), anything
    else (a notification of the message box, paced: R-DLV6) as the workers claim it."""
    until = now + LEASE
    attempt = DeliveryAttempt(email_id=email_id, at=now, outcome=AttemptOutcome.SENDING, worker=WORKER_NAME)
    email = queries.unclaimed_claim(
        email_id=email_id, due_by=now + GRACE, message_id=new_message_id(), lease_until=until, attempt=attempt
    )
    if email is not None:
        return Claimed(email=email, claim=email.claim, attempt_id=attempt.pk, claimed_at=now, lease_until=until)
    return claim_next(now=now, email_id=email_id, never_claimed=True, due_by=now + GRACE, lease_for=LEASE)
