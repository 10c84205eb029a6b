"""The heartbeat of a claim (R-DLV1): while a message is being sent, its short lease is renewed every quarter
of it, so a sender that dies mid-send holds its message one lease at most (seconds, not minutes), while a live
one keeps it however long its server takes to answer.

A renewal is fenced like the outcome: it only extends a lease whose claim is still the row's. If the claim was
lost, or the lease is about to end without a renewal (the database is unreachable), the send under way is hung
up before another worker may claim the message: a send never outlives its lease.
"""

import contextlib
import logging
import threading
from datetime import datetime, timedelta
from typing import Any

from django.db import Error as DatabaseFailure
from django.db import connection

from moncompte.core import clock
from moncompte.outbox.alarms import alarms
from moncompte.outbox.models import EmailStatus, OutboundEmail

logger = logging.getLogger("moncompte.outbox")


class LeaseKept:
    """A context around one exchange: renews the lease of `claim` on `email_id` every `length / 4`. Most
    exchanges end before the first beat: the beating thread is only started then, by an alarm (alarms.py), so a
    message sent in milliseconds costs no thread."""

    def __init__(
        self, *, email_id: int, claim: int, lease_until: datetime, length: timedelta, transport: object
    ) -> None:
        self.email_id, self.claim, self.length = email_id, claim, length
        self.lease_until = lease_until  # the end of the lease as last written: the outcome is written before it
        self.lost = False
        self._transport = transport
        self._done = threading.Event()
        self._starting = threading.Lock()
        self._thread = threading.Thread(target=self._beat, name=f"bail-{email_id}", daemon=True)
        self._alarm = 0

    def __enter__(self) -> "LeaseKept":
        self._alarm = alarms.arm(self.length.total_seconds() / 4, self._first_beat)
        return self

    def __exit__(self, *_: Any) -> None:
        with self._starting:
            self._done.set()
        alarms.cancel(self._alarm)
        if self._thread.ident is not None:  # it beats: a renewal under way ends before the outcome is written
            self._thread.join()

    def _first_beat(self) -> None:
        """In the alarms' thread, which must never wait on the database: the beats get a thread of their own."""
        with self._starting:
            if not self._done.is_set():
                self._thread.start()

    def _beat(self) -> None:
        every = self.length.total_seconds() / 4
        try:
            while self._renew(every) and not self._done.wait(every):
                pass
        finally:
            with contextlib.suppress(DatabaseFailure):
                connection.close()  # this thread's own connection

    def _renew(self, every: float) -> bool:
        """One beat; False once the send has been hung up."""
        now = clock.now()
        try:
            renewed = (
                OutboundEmail.objects.filter(pk=self.email_id, claim=self.claim, status=EmailStatus.PENDING).update(
                    next_attempt_at=now + self.length
                )
                == 1
            )
        except DatabaseFailure:
            with contextlib.suppress(DatabaseFailure):
                connection.close()
            if now + timedelta(seconds=every) < self.lease_until:
                logger.warning("courriel %s : bail non renouvelé (base indisponible)", self.email_id)
                return True
            logger.error("courriel %s : bail bientôt expiré sans renouvellement, envoi interrompu", self.email_id)
            return self._abort()
        if not renewed:
            logger.error("courriel %s : prise perdue pendant l'envoi, envoi interrompu", self.email_id)
            self.lost = True
            return self._abort()
        self.lease_until = now + self.length
        return True

    def _abort(self) -> bool:
        abort = getattr(self._transport, "abort", None)
        if abort is not None:
            abort()
        return False
