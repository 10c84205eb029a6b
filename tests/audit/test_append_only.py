import pytest
from django.db import DatabaseError, connection, transaction

from moncompte.audit import log
from moncompte.audit.models import AppendOnly, AuditEvent
from moncompte.core.client import Client

pytestmark = pytest.mark.django_db


def test_an_event_records_who_what_when_where_with_a_pseudonymous_nir_R_SEC3(now):
    event = log.record(event="x", now=now, nir="2840588321025", client=Client("198.51.100.1", "ua"))
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.event, stored.at, stored.client_address) == ("x", now, "198.51.100.1")
    assert len(stored.nir_pseudonym) == 16
    assert "2840588321025" not in stored.nir_pseudonym


def test_secrets_are_refused_in_details_R_SEC3(now):
    with pytest.raises(ValueError, match="never"):
        log.record(event="x", now=now, code="Ab3dEf7hJk")


def test_the_model_refuses_changes_R_SEC3(now):
    event = log.record(event="x", now=now)
    event.event = "y"
    with pytest.raises(AppendOnly):
        event.save()
    with pytest.raises(AppendOnly):
        event.delete()


def test_the_database_refuses_updates_R_SEC3(now):
    log.record(event="x", now=now)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET event = 'y'")
    assert AuditEvent.objects.get().event == "x"


def test_postgresql_refuses_deletes_R_SEC3(now):
    log.record(event="x", now=now)
    statement = "DELETE FROM audit_auditevent"
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
        assert AuditEvent.objects.count() == 1
    else:  # SQLite keeps DELETE for Django's table flushes (see migration 0002)
        with connection.cursor() as cursor:
            cursor.execute(statement)
        assert AuditEvent.objects.count() == 0


def test_truncate_is_refused_R_SEC3(now):
    """PostgreSQL refuses it by trigger (migration audit 0003); SQLite has no TRUNCATE statement at all."""
    log.record(event="x", now=now)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL moncompte.allow_truncate = 'off'")  # as in production
        with pytest.raises(DatabaseError), transaction.atomic():
            cursor.execute("TRUNCATE audit_auditevent")
    assert AuditEvent.objects.count() == 1
