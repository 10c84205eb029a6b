"""The security log's hand-written INSERT (audit/queries.py), on SQLite and on PostgreSQL (this file runs on
both): the row read back through the ORM is the one the ORM would have written."""

import pytest
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext

from moncompte.audit.models import AuditEvent
from moncompte.audit.queries import audit_event_insert

pytestmark = pytest.mark.django_db


def test_an_event_is_one_insert_and_reads_back_as_written_R_SEC3(now):
    details = {"email": "c•••••e@example.fr", "status": "valid", "attempts": 2, "granted": True, "why": None}
    row = AuditEvent(
        at=now, event="x", nir_pseudonym="096835346a8118b5", account_id=7, client_address="::1", user_agent="ua"
    )
    row.details = details
    with CaptureQueriesContext(connection) as queries:
        audit_event_insert(row)
    assert len(queries) == 1
    assert row.pk is not None
    assert not row._state.adding
    stored = AuditEvent.objects.get(pk=row.pk)
    assert model_to_dict(stored) == model_to_dict(row)
    assert stored.details == details
    assert stored.at == now
    # The JSON is the database's own, queryable as the ORM's is.
    assert AuditEvent.objects.filter(details__status="valid", details__attempts=2).count() == 1


def test_events_without_account_nor_details_are_written_too(now):
    first, second = AuditEvent(at=now, event="a"), AuditEvent(at=now, event="b")
    audit_event_insert(first)
    audit_event_insert(second)
    assert second.pk > first.pk
    assert list(AuditEvent.objects.values_list("event", "account_id", "details").order_by("id")) == [
        ("a", None, {}),
        ("b", None, {}),
    ]
