"""The delivery's hand-written SQL (outbox/queries.py) reads and writes what the ORM did, on SQLite and PostgreSQL:
the claim's row, its claim with its attempt, the outcome fenced by the claim (R-DLV1)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext

from moncompte.outbox import queries
from moncompte.outbox.models import AttemptOutcome, DeliveryAttempt, EmailStatus, Lane, OutboundEmail
from tests.core.test_queries import email_made

pytestmark = pytest.mark.django_db

READ = [field.attname for field in OutboundEmail._meta.concrete_fields if field.attname not in queries._NOT_READ]


def test_the_claim_reads_the_row_the_orm_reads_the_support_s_copy_aside(now):
    email = email_made(now, next_attempt_at=now - timedelta(seconds=1), slot_at=now, claim=2)
    email.save()
    read = queries.due_first(due_by=now, email_id=None, never_claimed=False)
    assert read is not None
    assert model_to_dict(read, fields=READ) == model_to_dict(OutboundEmail.objects.get(), fields=READ)
    assert (read.next_attempt_at, read.slot_at, read.created_at) == (now - timedelta(seconds=1), now, now)
    assert read.get_deferred_fields() == {"shown_text", "shown_html"}


def first_due(now, *, email_id: int | None = None, never_claimed: bool = False) -> int | None:
    read = queries.due_first(due_by=now, email_id=email_id, never_claimed=never_claimed)
    return None if read is None else read.pk


def test_the_claim_takes_the_first_lane_first_then_the_oldest_due_R_DLV5(now):
    late_code = email_made(now, next_attempt_at=now - timedelta(seconds=1))
    old_notice = email_made(now, next_attempt_at=now - timedelta(hours=1), lane=Lane.NOTIFICATIONS)
    not_due = email_made(now, next_attempt_at=now + timedelta(seconds=1))
    sent = email_made(now, next_attempt_at=now - timedelta(hours=2), status=EmailStatus.SENT)
    for email in (old_notice, late_code, not_due, sent):
        email.save()
    assert first_due(now) == late_code.pk
    assert first_due(now, email_id=old_notice.pk) == old_notice.pk
    assert first_due(now, email_id=not_due.pk) is None
    late_code.claim = 1
    late_code.save()
    assert first_due(now, never_claimed=True) == old_notice.pk


def test_a_claim_and_its_attempt_are_written_in_one_statement_on_postgresql(now):
    email = email_made(now)
    email.save()
    attempt = DeliveryAttempt(email=email, at=now, outcome=AttemptOutcome.SENDING, worker="w:1")
    until = now + timedelta(seconds=20)
    with CaptureQueriesContext(connection) as statements:
        queries.claim_write(
            email_id=email.pk,
            email={"claim": 1, "message_id": "<m@x>", "next_attempt_at": until, "slot_at": None},
            attempt=attempt,
        )
    assert len(statements) == (1 if connection.vendor == "postgresql" else 2)
    email.refresh_from_db()
    assert (email.claim, email.message_id, email.next_attempt_at, email.slot_at) == (1, "<m@x>", until, None)
    stored = DeliveryAttempt.objects.get()
    assert (stored.pk, stored.email_id, stored.at, stored.outcome, stored.worker) == (
        attempt.pk,
        email.pk,
        now,
        AttemptOutcome.SENDING,
        "w:1",
    )
    assert not attempt._state.adding


@pytest.mark.parametrize(("claim", "held"), [(3, True), (2, False)], ids=["claim held", "claim lost"])
def test_an_outcome_changes_the_email_only_under_its_own_claim_R_DLV1(now, claim, held):
    email = email_made(now, claim=3)
    email.save()
    attempt = DeliveryAttempt.objects.create(email=email, at=now, outcome=AttemptOutcome.SENDING)
    finished = now + timedelta(seconds=1)
    written = queries.outcome_write(
        attempt_id=attempt.pk,
        attempt={"outcome": AttemptOutcome.SENT, "smtp_reply": "250 OK", "finished_at": finished},
        email_id=email.pk,
        claim=claim,
        email={"status": EmailStatus.SENT, "sent_at": finished, "attempts": 1, "body_text": ""},
    )
    assert written is held
    email.refresh_from_db()
    attempt.refresh_from_db()
    assert (attempt.outcome, attempt.smtp_reply, attempt.finished_at) == (AttemptOutcome.SENT, "250 OK", finished)
    if held:
        assert (email.status, email.sent_at, email.attempts, email.body_text) == (EmailStatus.SENT, finished, 1, "")
    else:  # another sender holds it now: its state is that sender's to write
        assert (email.status, email.sent_at, email.attempts) == (EmailStatus.PENDING, None, 0)
        assert email.body_text == "Bonjour Camille DURAND, …"


def test_an_outcome_and_the_email_s_new_state_are_written_in_one_statement_on_postgresql(now):
    email = email_made(now, claim=1)
    email.save()
    attempt = DeliveryAttempt.objects.create(email=email, at=now, outcome=AttemptOutcome.SENDING)
    with CaptureQueriesContext(connection) as statements:
        written = queries.outcome_write(
            attempt_id=attempt.pk,
            attempt={"outcome": AttemptOutcome.SENT},
            email_id=email.pk,
            claim=1,
            email={"status": EmailStatus.SENT},
        )
    assert written
    assert len(statements) == (1 if connection.vendor == "postgresql" else 2)


def claim_then_outcome(now) -> OutboundEmail:
    email = email_made(now, next_attempt_at=now)
    email.save()
    due = queries.due_first(due_by=now, email_id=email.pk, never_claimed=True)
    assert due is not None
    attempt = DeliveryAttempt(email=due, at=now, outcome=AttemptOutcome.SENDING)
    queries.claim_write(email_id=due.pk, email={"claim": 1}, attempt=attempt)
    outcome: dict[str, object] = {"status": EmailStatus.SENT, "sent_at": now}
    sent: dict[str, object] = {"outcome": AttemptOutcome.SENT}
    assert queries.outcome_write(attempt_id=attempt.pk, attempt=sent, email_id=due.pk, claim=1, email=outcome)
    return OutboundEmail.objects.get()


def prepared_runs() -> dict[str, int]:
    """The statements prepared in this session, with how many times each ran prepared (PostgreSQL 14+)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements")
        return dict(cursor.fetchall())


@pytest.mark.postgresql
def test_the_statements_of_a_claim_run_prepared_on_the_connection_on_postgresql(now):
    before = prepared_runs()  # the session may have prepared them in an earlier test already
    claim_then_outcome(now)
    ran = {sql for sql, runs in prepared_runs().items() if runs > before.get(sql, 0)}
    for start in ("SELECT ", "WITH claimed AS ", "WITH attempt AS "):
        assert any(sql.startswith(start) for sql in ran), (start, ran)


def test_a_worker_s_first_claim_writes_its_statements_from_the_models_metadata_R_DLV1(now):
    queries._due_select.cache_clear()  # as in a new process: nothing written yet
    queries._update_of.cache_clear()
    with CaptureQueriesContext(connection) as statements:
        email = claim_then_outcome(now)
    assert (email.claim, email.status, email.sent_at) == (1, EmailStatus.SENT, now)
    assert f"FROM {connection.ops.quote_name(OutboundEmail._meta.db_table)} WHERE" in statements[1]["sql"]


def test_the_statements_of_a_claim_are_kept_in_no_log_unless_queries_are_logged(now):
    """A worker runs these for every message: Django's log of queries (DEBUG, the tests' captures) only when asked."""
    connection.queries_log.clear()
    claim_then_outcome(now)
    assert not connection.queries_log


@pytest.mark.postgresql
def test_the_claim_is_planned_for_its_values_every_time_never_with_a_generic_plan(now):
    """A generic plan of the claim, PostgreSQL's choice from a prepared statement's sixth run, tripled its CPU
    per notification (core/postgresql/base.py)."""
    for _ in range(8):
        claim_then_outcome(now)
        OutboundEmail.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute("SELECT sum(generic_plans), sum(custom_plans) FROM pg_prepared_statements")
        generic, custom = cursor.fetchone()
    assert (generic, custom >= 8 * 3) == (0, True)
