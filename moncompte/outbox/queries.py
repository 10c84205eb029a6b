"""Hand-written SQL of the outbox (valid on SQLite and PostgreSQL), on the journey's hot path (issue 22)."""

from functools import cache

from django.db import connection
from django.db.models import Field

from moncompte.outbox.models import OutboundEmail


# Issue 22: three emails per journey (the provisional code, the link, and any other of the same path), each row
# written by the ORM's save(): `enqueue` was 1.0 % of the web processes' Python time under SQLCompiler.execute_sql
# alone (py-spy --gil during `bench.journey_bench --redis`), 0.4–0.6 ms of Python per ORM query against ~0.07 ms
# for the same SQL on a cursor. The same INSERT on a cursor; its columns are the model's own, read once, so a
# field added to OutboundEmail needs nothing here, and each value is stored as its field stores it.
@cache
def _email_insert() -> tuple[str, list[Field[object, object]]]:
    fields = [field for field in OutboundEmail._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(connection.ops.quote_name(str(field.column)) for field in fields)
    values = ", ".join(["%s"] * len(fields))
    table = connection.ops.quote_name(OutboundEmail._meta.db_table)
    # Table and column names from the model's own metadata, never from any input.
    return f"INSERT INTO {table} ({columns}) VALUES ({values}) RETURNING id", fields  # noqa: S608


def outbound_email_insert(email: OutboundEmail) -> None:
    """Writes the unsaved `email`, which gets its id (the model just written)."""
    sql, fields = _email_insert()
    values = [field.get_db_prep_save(field.pre_save(email, add=True), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        email.pk = int(cursor.fetchone()[0])
    email._state.adding = False
