"""R-DLV7: on PostgreSQL, the transaction that writes a notification's outcome (with the claim of the next
notification) commits without waiting for the disk; one that writes a code's or a link's outcome, or claims one,
always waits. SQLite has no such setting: nothing is asked of it."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from moncompte.core import clock
from moncompte.outbox.delivery import _deliver_then_claim, claim_next, deliver_due
from moncompte.outbox.models import EmailStatus, Lane, OutboundEmail
from tests.outbox.test_delivery import queue_code_email
from tests.outbox.test_exactly_once import Recording
from tests.outbox.test_lanes import notifications_queued

pytestmark = pytest.mark.django_db
WITHOUT_WAITING = "SET LOCAL synchronous_commit = off"


def commits_without_waiting(run) -> int:
    with CaptureQueriesContext(connection) as queries:
        run()
    return sum(query["sql"] == WITHOUT_WAITING for query in queries.captured_queries)


def on_postgresql(count: int) -> int:
    return count if connection.vendor == "postgresql" else 0


def test_each_notification_s_outcome_commits_without_waiting_for_the_disk_R_DLV7(now, traveller):
    notifications_queued(3, now=now)
    transport = Recording()
    # The first claim alone, then three outcomes: the first two each with the next notification's claim.
    assert commits_without_waiting(lambda: deliver_due(transport=transport)) == on_postgresql(3)
    assert len(transport.sent) == 3
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {EmailStatus.SENT}


def test_a_code_s_outcome_waits_for_the_disk_even_with_a_notification_claimed_after_it_R_DLV7(now, traveller):
    notifications_queued(1, now=now - timedelta(minutes=1))
    queue_code_email(now)
    transport = Recording()
    # The code first (R-DLV5): its outcome, with the notification's claim, waits; the notification's does not.
    assert commits_without_waiting(lambda: deliver_due(transport=transport)) == on_postgresql(1)
    assert [sent["To"] for sent in transport.sent] == ["camille@example.fr", "p0@example.fr"]


def test_a_notification_s_outcome_waits_for_the_disk_when_a_code_is_claimed_with_it_R_DLV7(now, traveller):
    notifications_queued(1, now=now)
    notification = claim_next(now=clock.now())
    assert notification is not None
    queue_code_email(now)  # a code arrives while the notification is being sent
    transport = Recording()
    claimed_after = []
    waited = commits_without_waiting(
        lambda: claimed_after.append(_deliver_then_claim(notification, transport, then_claim=lambda: True)[1])
    )
    assert waited == 0
    (code,) = claimed_after
    assert code is not None
    assert code.email.lane == Lane.FIRST


@pytest.mark.django_db(transaction=True)
def test_a_worker_writes_an_outcome_and_its_next_claim_in_one_transaction_and_a_last_code_s_outcome_alone(traveller):
    """One commit per message, not two (the commit waits for the disk): the outcome with the next claim. A code's
    or a link's outcome with no claim after it is one statement, sent without BEGIN and COMMIT on PostgreSQL
    (issue 22); SQLite writes its two statements in a transaction of their own."""
    now = clock.now()
    queue_code_email(now - timedelta(seconds=1), to="a@example.fr")
    queue_code_email(now - timedelta(seconds=1), to="b@example.fr")
    outcomes: list[bool] = []  # for each outcome written: inside a transaction?

    def watch(execute, sql, params, many, context):
        if "deliveryattempt" in sql and sql.lstrip().upper().startswith(("UPDATE", "WITH ATTEMPT")):
            outcomes.append(connection.in_atomic_block)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        assert deliver_due(transport=Recording(), at_most=2) == 2  # no claim after the second
    assert outcomes == ([True, False] if connection.vendor == "postgresql" else [True, True])
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {EmailStatus.SENT}
