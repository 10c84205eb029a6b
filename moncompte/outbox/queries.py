"""Hand-written SQL of the delivery's hot path (valid on SQLite and PostgreSQL): the statements delivery.py
runs for every message, the same ones the ORM wrote. Issue 24: compiling the five statements of a claim and its
outcome (the row taken, its claim, its attempt, the attempt's outcome, the row's new state) was about half of a
worker's CPU per notification in the profile of `bench/campaign.py` (py-spy --gil, 4.6 ms per notification);
written once here, they cost the cursor's time alone, and on PostgreSQL the two pairs of writes go in one
statement each (a data-modifying WITH): seven round trips per message instead of nine.

Table and column names come from the models' metadata, never from any input; values go through the
database's own adaptation, as the ORM does. On PostgreSQL they run on a cursor that binds its values on the server
and prepares each statement on the connection (psycopg's `prepare=True`): no quoting of the values in Python,
no planning of the same statement for every message. The project's settings turn both off for everything else,
for the sake of connection poolers; a pooler in transaction mode in front of the workers would need to support
prepared statements (PgBouncer 1.21 and later, `max_prepared_statements`)."""

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import psycopg
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import DateTimeField, Field, Model

from moncompte.core.queries import datetime_read, insert_of, insert_parts, row_written
from moncompte.outbox.models import DeliveryAttempt, EmailStatus, Lane, OutboundEmail, ProviderPace

# The support's masked copy is never read to send (as `defer` did).
_NOT_READ = ("shown_text", "shown_html")


# psycopg's default; it only matters to a cursor that leaves `prepare` to it, which no cursor here does.
_PREPARE_THRESHOLD = 5


class _Prepared(psycopg.Cursor[Any]):
    """psycopg's own cursor: values bound by the server, each statement prepared on its first run."""

    def execute(
        self, query: Any, params: Any = None, *, prepare: bool | None = None, binary: bool | None = None
    ) -> Any:
        return super().execute(query, params, prepare=True, binary=binary)


def _cursor() -> CursorWrapper:
    """A cursor of the default connection, in its transaction, through Django's wrappers (errors, the tests'
    execute_wrapper, the queries' log)."""
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor != "postgresql":
        return db.cursor()
    db.ensure_connection()
    db.validate_thread_sharing()
    # Django opens its connections with prepare_threshold=None, and psycopg then prepares nothing, even when asked
    # (prepare=True). A number lets the cursors that ask prepare, this one alone: Django's own cursors bind their
    # values on the client, and psycopg never prepares for those.
    db.connection.prepare_threshold = _PREPARE_THRESHOLD
    raw = _Prepared(db.connection)
    return CursorDebugWrapper(raw, db) if db.queries_logged else CursorWrapper(raw, db)


def _name(name: str) -> str:
    return str(connection.ops.quote_name(name))


def _table(model: type[Model]) -> str:
    return _name(model._meta.db_table)


@dataclass(frozen=True)
class _Read:
    """The fields a claim reads, in the model's order: their columns, names and which of them are dates."""

    columns: tuple[str, ...]
    attnames: tuple[str, ...]
    dates: tuple[bool, ...]


@cache
def _read() -> _Read:
    fields = [field for field in OutboundEmail._meta.concrete_fields if field.attname not in _NOT_READ]
    return _Read(
        columns=tuple(str(field.column) for field in fields),
        attnames=tuple(field.attname for field in fields),
        dates=tuple(isinstance(field, DateTimeField) for field in fields),
    )


@cache
def _due_select(*, one: bool, never_claimed: bool, one_lane: bool, vendor: str) -> str:
    columns = ", ".join(_name(column) for column in _read().columns)
    where = [f"{_name('status')} = %s", f"{_name('next_attempt_at')} <= %s"]
    if one:
        where.append(f"{_name('id')} = %s")
    if one_lane:
        where.append(f"{_name('lane')} = %s")
    if never_claimed:
        where.append(f"{_name('claim')} = 0")
    # R-DLV5: the lane first, then the oldest due; other workers' rows are skipped, not waited for.
    order = ", ".join(_name(column) for column in ("lane", "next_attempt_at", "id"))
    lock = " FOR UPDATE SKIP LOCKED" if vendor == "postgresql" else ""  # SQLite: one writer at a time anyway
    return f"SELECT {columns} FROM {_table(OutboundEmail)} WHERE {' AND '.join(where)} ORDER BY {order} LIMIT 1{lock}"  # noqa: S608


def _moment(value: datetime | None) -> object:
    return connection.ops.adapt_datetimefield_value(value)


def due_first(
    *, due_by: datetime, email_id: int | None, never_claimed: bool, lane: Lane | None = None
) -> OutboundEmail | None:
    """The first due row in the claim's order (of `lane` only, if given), locked for this transaction, the
    support's copy not read."""
    params: list[Any] = [EmailStatus.PENDING.value, _moment(due_by)]
    if email_id is not None:
        params.append(email_id)
    if lane is not None:
        params.append(lane.value)
    one_lane = lane is not None
    sql = _due_select(
        one=email_id is not None, never_claimed=never_claimed, one_lane=one_lane, vendor=connection.vendor
    )
    with _cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else _email_read(row)


def _email_read(row: tuple[Any, ...]) -> OutboundEmail:
    read = _read()
    values = [
        datetime_read(value) if date and value is not None else value
        for value, date in zip(row, read.dates, strict=True)
    ]
    return OutboundEmail.from_db(connection.alias, read.attnames, values)


@cache
def _update_of(model: type[Model], columns: tuple[str, ...], fenced: bool) -> str:
    assignments = ", ".join(f"{_name(column)} = %s" for column in columns)
    fence = f" AND {_name('claim')} = %s" if fenced else ""
    key = str(model._meta.pk.column) if model._meta.pk is not None else "id"
    return f"UPDATE {_table(model)} SET {assignments} WHERE {_name(key)} = %s{fence}"  # noqa: S608


def _update(model: type[Model], pk: int | str, change: dict[str, object], claim: int | None) -> tuple[str, list[Any]]:
    """UPDATE of one row by id (and, with `claim`, only while its claim is still that one)."""
    columns, values = [], []
    for name, value in change.items():
        field = model._meta.get_field(name)
        if not isinstance(field, Field):  # a relation's reverse side has no column to write
            raise TypeError(f"{model.__name__}.{name} : pas une colonne")
        columns.append(str(field.column))
        values.append(field.get_db_prep_save(value, connection))
    params = [*values, pk] if claim is None else [*values, pk, claim]
    return _update_of(model, tuple(columns), claim is not None), params


def _run(sql: str, params: list[Any]) -> int:
    with _cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)


def email_change(pk: int, change: dict[str, object]) -> None:
    _run(*_update(OutboundEmail, pk, change, None))


# PostgreSQL runs a data-modifying WITH with the statement that follows it, in one round trip (each costs both
# processes a wake-up); SQLite gets the two statements one after the other. Both in the caller's transaction.


def outcome_write(
    *, attempt_id: int, attempt: dict[str, object], email_id: int, claim: int, email: dict[str, object]
) -> bool:
    """The attempt's outcome and the email's new state, the latter only while `claim` is still the row's
    (R-DLV1): False if it is no longer. Both or neither, with or without a transaction around."""
    attempt_sql, attempt_params = _update(DeliveryAttempt, attempt_id, attempt, None)
    email_sql, email_params = _update(OutboundEmail, email_id, email, claim)
    if connection.vendor == "postgresql":
        return _run(f"WITH attempt AS ({attempt_sql}) {email_sql}", [*attempt_params, *email_params]) == 1
    with transaction.atomic(savepoint=False):  # the caller's, or one of their own when it has none
        _run(attempt_sql, attempt_params)
        return _run(email_sql, email_params) == 1


def claim_write(*, email_id: int, email: dict[str, object], attempt: DeliveryAttempt) -> None:
    """The email's claim and its new attempt; `attempt` gets its id."""
    email_sql, email_params = _update(OutboundEmail, email_id, email, None)
    insert, values = insert_of(attempt)
    with _cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"WITH claimed AS ({email_sql}) {insert}", [*email_params, *values])
        else:
            cursor.execute(email_sql, email_params)
            cursor.execute(insert, values)
        row_written(attempt, cursor.fetchone()[0])


# Issue 22: the code or link a request queued, claimed by that request's web process once its response is out
# (send_after_response.py). Through claim_next, four round trips (BEGIN, the row locked, its claim with its
# attempt, COMMIT) and three for its outcome; here, on PostgreSQL, one statement outside any transaction, and
# the outcome one more (delivery._complete): 10 of the 72.5 statements a journey sent (bench/README.md).


@cache
def _claim_unclaimed_sql(attempt_columns: tuple[str, ...]) -> str:
    """Names from the models' metadata only (as everywhere here), values as parameters."""
    table, message_id, key = _table(OutboundEmail), _name("message_id"), _name("id")
    columns = ", ".join(_name(column) for column in _read().columns)
    unclaimed = " AND ".join(f"{_name(column)} {test}" for column, test in _UNCLAIMED)
    picked = f"SELECT {key} FROM {table} WHERE {unclaimed} FOR UPDATE SKIP LOCKED"  # noqa: S608
    claim = f"{_name('claim')} = 1, {message_id} = CASE WHEN {message_id} = '' THEN %s ELSE {message_id} END"
    lease = f"{_name('next_attempt_at')} = %s, {_name('slot_at')} = NULL"
    claimed = f"UPDATE {table} SET {claim}, {lease} WHERE {key} = ({picked}) RETURNING {columns}"  # noqa: S608
    names = ", ".join(_name(column) for column in attempt_columns)
    values = ", ".join(["%s"] * len(attempt_columns))
    attempt = f"INSERT INTO {_table(DeliveryAttempt)} ({names}) SELECT {values} FROM claimed RETURNING {key}"  # noqa: S608
    return f"WITH claimed AS ({claimed}), attempt AS ({attempt}) SELECT claimed.*, attempt.{key} FROM claimed, attempt"  # noqa: S608


_UNCLAIMED = (("id", "= %s"), ("status", "= %s"), ("next_attempt_at", "<= %s"), ("claim", "= 0"), ("lane", "= %s"))


def unclaimed_claim(
    *, email_id: int, due_by: datetime, message_id: str, lease_until: datetime, attempt: DeliveryAttempt
) -> OutboundEmail | None:
    """The code or link `email_id`, if due by `due_by` and never claimed (no worker took it), claimed for the
    first time until `lease_until` with its `attempt` (which gets its id); None otherwise. Outside a transaction
    (its own, on SQLite)."""
    if connection.vendor != "postgresql":  # no data-modifying WITH: the workers' statements, in a transaction
        with transaction.atomic():
            email = due_first(due_by=due_by, email_id=email_id, never_claimed=True, lane=Lane.FIRST)
            if email is not None:
                email.claim, email.message_id = 1, email.message_id or message_id
                email.next_attempt_at, email.slot_at = lease_until, None
                change = {"claim": 1, "message_id": email.message_id, "next_attempt_at": lease_until, "slot_at": None}
                claim_write(email_id=email_id, email=change, attempt=attempt)
            return email
    columns, values = insert_parts(attempt)
    params: list[Any] = [message_id, _moment(lease_until), email_id, EmailStatus.PENDING.value, _moment(due_by)]
    with _cursor() as cursor:
        cursor.execute(_claim_unclaimed_sql(columns), [*params, Lane.FIRST.value, *values])
        row = cursor.fetchone()
    if row is None:
        return None
    row_written(attempt, row[-1])
    return _email_read(row[:-1])


# R-DLV6: a paced notification's claim reads and writes its provider's row (outbox/pacing.py), locked until the
# claim commits, every other sender of that provider waiting. Through the ORM, a reservation in its transaction
# cost 1.04 to 1.14 ms of the worker's CPU; here 0.39 to 0.42 ms (1,000 on PostgreSQL, load 10 to 11).


@cache
def _pace_select(vendor: str) -> str:
    columns = ", ".join(_name(column) for column in ("next_slot_at", "factor", "calm_since"))
    lock = " FOR UPDATE" if vendor == "postgresql" else ""
    return f"SELECT {columns} FROM {_table(ProviderPace)} WHERE {_name('provider')} = %s{lock}"  # noqa: S608


def pace_locked(provider: str) -> ProviderPace | None:
    """The provider's pace, its row locked for this transaction."""
    with _cursor() as cursor:
        cursor.execute(_pace_select(connection.vendor), [provider])
        row = cursor.fetchone()
    if row is None:
        return None
    next_slot_at, factor, calm_since = row
    calm = None if calm_since is None else datetime_read(calm_since)
    return ProviderPace(provider=provider, next_slot_at=datetime_read(next_slot_at), factor=factor, calm_since=calm)


def pace_change(pace: ProviderPace) -> None:
    change = {"next_slot_at": pace.next_slot_at, "factor": pace.factor, "calm_since": pace.calm_since}
    _run(*_update(ProviderPace, pace.provider, change, None))


def commit_without_waiting_for_the_disk() -> None:
    """R-DLV7: the transaction in progress commits without waiting for PostgreSQL to write it to disk
    (synchronous_commit off, for this transaction alone). Only the notifications' outcomes and claims ask it:
    a database that crashes within the next fraction of a second forgets the transaction whole (never a half),
    so a notification already sent may be sent once more, as after any interrupted send (R-DLV1); nothing is
    lost. Issue 24: `bench/campaign.py`, 40,000 people, 518 and 522 → 597 and 635 notifications/s, PostgreSQL
    0.99 and 0.88 → 0.82 and 0.78 ms per notification (every transaction of the run so, side by side)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
