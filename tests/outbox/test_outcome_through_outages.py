"""R-DLV1: the server's answer is kept through a database outage for as long as the lease holds, then given up
(delivery._complete_despite_outages). The outage here is Django's own execute hook refusing the writes, in this
process; test_delivery_faults.py cuts a real cable to PostgreSQL under real workers."""

import time

import pytest
from django.db import DatabaseError, OperationalError, connection

from moncompte.core import clock
from moncompte.outbox.delivery import _complete_despite_outages, claim_next, deliver_one
from moncompte.outbox.models import AttemptOutcome, EmailStatus
from tests.outbox.test_delivery import queue_code_email
from tests.outbox.test_exactly_once import Recording

pytestmark = pytest.mark.django_db(transaction=True)  # the outcome's retry closes the connection


class WritesRefused:
    """The database refuses every UPDATE, `times` times (None: until the end), also one made in a WITH before
    another statement (outbox/queries.py on PostgreSQL)."""

    def __init__(self, times: int | None) -> None:
        self.left = times

    def __call__(self, execute, sql, params, many, context):
        statement = sql.lstrip().upper()
        updates = statement.startswith("UPDATE") or (statement.startswith("WITH") and "UPDATE" in statement)
        if updates and (self.left is None or self.left > 0):
            if self.left is not None:
                self.left -= 1
            raise OperationalError("base indisponible (test)")
        return execute(sql, params, many, context)


def test_an_outcome_is_kept_through_an_outage_and_written_once_the_database_is_back(caplog):
    email = queue_code_email(clock.now())
    claimed = claim_next(now=clock.now())
    assert claimed is not None
    started = time.monotonic()
    with connection.execute_wrapper(WritesRefused(times=2)):
        _complete_despite_outages(claimed, AttemptOutcome.SENT, "250 OK", lease_until=claimed.lease_until)
    waited = time.monotonic() - started
    assert 1.0 <= waited < 2.5  # half a second between tries, not more
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.SENT, 1)
    kept = f"courriel {email.pk} : base indisponible, issue sent gardée en mémoire"
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == [kept, kept]


def test_an_outcome_still_unwritten_at_the_end_of_the_lease_is_given_up_with_an_error(traveller, caplog):
    """At the lease's very end (the clock frozen there), another worker may claim the message: no more tries."""
    email = queue_code_email(clock.now())
    claimed = claim_next(now=clock.now())
    assert claimed is not None
    with connection.execute_wrapper(WritesRefused(times=None)), pytest.raises(DatabaseError):
        _complete_despite_outages(claimed, AttemptOutcome.SENT, "250 OK", lease_until=clock.now())
    lost = f"courriel {email.pk} : issue sent non enregistrée (base indisponible)"
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == [lost]
    email.refresh_from_db()
    assert (email.status, email.claim) == (EmailStatus.PENDING, 1)


def test_a_delivery_whose_outcome_cannot_be_written_before_its_lease_ends_fails(traveller, caplog):
    """The lease that bounds the tries is the one the exchange kept."""
    email = queue_code_email(clock.now())
    claimed = claim_next(now=clock.now())
    assert claimed is not None
    lease_end = claimed.lease_until

    class AnsweringAtTheLeasesEnd(Recording):
        def send(self, message, *, sender):
            traveller.move_to(lease_end)
            return super().send(message, sender=sender)

    with connection.execute_wrapper(WritesRefused(times=None)), pytest.raises(DatabaseError):
        deliver_one(claimed, AnsweringAtTheLeasesEnd())
    lost = f"courriel {email.pk} : issue sent non enregistrée (base indisponible)"
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == [lost]
