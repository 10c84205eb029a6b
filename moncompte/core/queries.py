"""Hand-written SQL of core, where the ORM cannot say it in one statement (valid on SQLite and PostgreSQL)."""

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Model
from django.db.models.expressions import DatabaseDefault
from django.utils.dateparse import parse_datetime


@dataclass(frozen=True)
class WindowCounts:
    current: int  # events of this window, the one just counted included
    previous: int  # events of the window before it


# One statement, so one round trip and no race: the row is created at the first event of its window and
# counted up in place after (INSERT … ON CONFLICT DO UPDATE holds the row while it adds one, so parallel
# requests in any process never lose a count); the previous window is read in the same statement.
_COUNT_UP = """
    INSERT INTO core_windowcounter (scope, "key", started, events) VALUES (%s, %s, %s, 1)
    ON CONFLICT (scope, "key", started) DO UPDATE SET events = core_windowcounter.events + 1
    RETURNING events, COALESCE((
        SELECT before.events FROM core_windowcounter AS before
        WHERE before.scope = %s AND before."key" = %s AND before.started = %s
    ), 0)
"""


# R-LIM3 on PostgreSQL: an event numbered before another may be committed after it, so a count that reads the
# events numbered up to its own could miss one (CI once saw 6 codes sent to a mailbox capped at 5 by 12 parallel
# identity steps). Each count takes its key's advisory lock in the statement that inserts it, before its number
# is drawn, and holds it until that insert is committed (at once in autocommit, else with the transaction): the
# next count of the key waits, draws a higher number, and its read (a statement of its own, so a snapshot taken
# after the wait) sees every event counted before. No round trip more. SQLite writes one transaction at a time
# (IMMEDIATE, config/settings.py): its rows are numbered in the order they are committed.
_EVENT_ADD = {
    "postgresql": """
        WITH held AS (SELECT pg_advisory_xact_lock(hashtextextended(%s, 0)))
        INSERT INTO "core_throttleevent" (scope, "key", at) SELECT %s, %s, %s FROM held RETURNING id
    """,
    "sqlite": 'INSERT INTO "core_throttleevent" (scope, "key", at) VALUES (%s, %s, %s) RETURNING id',
}


def throttle_event_add(*, scope: str, key: str, at: datetime) -> int:
    """Counts one event of `key` (its number: `ThrottleEvent.id`), in the order of the key's lock (PostgreSQL)."""
    values = [scope, key, connection.ops.adapt_datetimefield_value(at)]
    if connection.vendor == "postgresql":
        values.insert(0, f"throttle:{scope}:{key}")
    with connection.cursor() as cursor:
        cursor.execute(_EVENT_ADD[connection.vendor], values)
        return int(cursor.fetchone()[0])


def window_counter_add(*, scope: str, key: str, started: int, seconds: int) -> WindowCounts:
    """Counts one event of `key` in the window of `seconds` that began at `started` (seconds since the epoch)."""
    with connection.cursor() as cursor:
        cursor.execute(_COUNT_UP, [scope, key, started, scope, key, started - seconds])
        row = cursor.fetchone()
    return WindowCounts(current=int(row[0]), previous=int(row[1]))


def datetime_read(value: object) -> datetime:
    """A date read on a cursor as the ORM reads it, aware (UTC): SQLite gives text or a naive datetime (UTC),
    PostgreSQL an aware datetime already."""
    moment = parse_datetime(value) if isinstance(value, str) else value
    if not isinstance(moment, datetime):
        raise ValueError(f"not a date: {value!r}")
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# Issue 22: the ORM's save() of a new row costs ~0.5 ms of Python against ~0.07 ms for the same INSERT on a cursor
# (the profile of the performance issue); the rows the journey writes on its hot path go through here (each
# caller names the figure that justified it). Table and column names come from the model's own metadata, never
# from any input, so a field added to a model needs nothing here.
@cache
def _insert_of(model: type[Model], columns: tuple[str, ...]) -> str:
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    values = ", ".join(["%s"] * len(columns))
    key = connection.ops.quote_name(str(model._meta.pk.column)) if model._meta.pk else "id"
    return f"INSERT INTO {table} ({names}) VALUES ({values}) RETURNING {key}"  # noqa: S608


def insert_parts(row: Model) -> tuple[tuple[str, ...], list[Any]]:
    """The columns the ORM's save() would write for the unsaved `row` (a column left to its database default when
    the model says so), and their values as each field stores them."""
    columns, values = [], []
    for field in type(row)._meta.concrete_fields:
        if field.primary_key:
            continue
        value = field.pre_save(row, add=True)
        if isinstance(value, DatabaseDefault):
            continue
        columns.append(str(field.column))
        values.append(field.get_db_prep_save(value, connection))
    return tuple(columns), values


def insert_of(row: Model) -> tuple[str, list[Any]]:
    """The INSERT of the unsaved `row` as the ORM's save() would write it, returning its id; and its values."""
    columns, values = insert_parts(row)
    return _insert_of(type(row), columns), values


def row_written(row: Model, pk: object) -> None:
    """`row` is now the database's, with id `pk` (as the ORM's save() leaves it)."""
    row.pk = pk
    row._state.adding = False
    row._state.db = connection.alias


def row_insert(row: Model) -> None:
    """Writes the unsaved `row` as the ORM's save() would, in one statement; `row` gets its id."""
    sql, values = insert_of(row)
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row_written(row, cursor.fetchone()[0])


# Issue 22: reading a row into its model through the ORM (QuerySet.get, select_related) costs 0.4–0.6 ms of Python
# of building and compiling the query; where a use case needs the model itself (it passes the row on to the one
# transition function and to others), its hand-written query selects `columns_of(model, alias)` and builds the
# row with `model_read`, converting each value as the ORM's compiler does (a date read as text on SQLite).
@cache
def _fields_read(model: type[Model]) -> tuple[list[str], list[tuple[list[Any], Any]]]:
    converters = []
    for field in model._meta.concrete_fields:
        column = field.get_col(model._meta.db_table)
        converters.append((connection.ops.get_db_converters(column) + column.get_db_converters(connection), column))
    return [field.attname for field in model._meta.concrete_fields], converters


def columns_of(model: type[Model], alias: str) -> str:
    """The model's columns, in its fields' order, of the table named `alias` in the query (from the model's own
    metadata, never from any input)."""
    quote = connection.ops.quote_name
    return ", ".join(f"{quote(alias)}.{quote(str(field.column))}" for field in model._meta.concrete_fields)


def model_read[M: Model](model: type[M], values: tuple[Any, ...] | list[Any]) -> M:
    """The row of `model` from the values of `columns_of(model, …)`, as the ORM would have built it."""
    names, converters = _fields_read(model)
    converted = []
    for value, (field_converters, column) in zip(values, converters, strict=True):
        for converter in field_converters:
            value = converter(value, column, connection)
        converted.append(value)
    return model.from_db(connection.alias, names, converted)
