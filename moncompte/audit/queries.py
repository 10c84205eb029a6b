"""Hand-written SQL of the security log (valid on SQLite and PostgreSQL)."""

from django.db import connection

from moncompte.audit.models import AuditEvent

# Issue 22: one row per POST of the journey (7 of its 13 requests), the most frequent write of the service.
# Through the ORM each cost ~0.5 ms of Python against 0.07 ms for the same SQL on a cursor (the profile of the
# performance issue: 43 % of the journey's Python in building and compiling queries); bench/README.md, issue 22.
_INSERT = """
    INSERT INTO "audit_auditevent" (at, event, nir_pseudonym, account_id, client_address, user_agent, details)
    VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id
"""
_AT, _DETAILS = AuditEvent._meta.get_field("at"), AuditEvent._meta.get_field("details")


def audit_event_insert(row: AuditEvent) -> None:
    """Appends the unsaved `row`, which gets its id. Its values are stored as the model's fields store them."""
    values = [
        _AT.get_db_prep_value(row.at, connection),
        row.event,
        row.nir_pseudonym,
        row.account_id,
        row.client_address,
        row.user_agent,
        _DETAILS.get_db_prep_value(row.details, connection),
    ]
    with connection.cursor() as cursor:
        cursor.execute(_INSERT, values)
        row.pk = int(cursor.fetchone()[0])
    row._state.adding = False
