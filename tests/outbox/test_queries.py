"""The hand-written SQL of the outbox (outbox/queries.py), on SQLite and on PostgreSQL (this file runs on both):
an email row written on a cursor is the row the ORM writes."""

from datetime import timedelta

import pytest
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext

from moncompte.outbox.models import EmailStatus, Lane, OutboundEmail
from moncompte.outbox.queries import outbound_email_insert

pytestmark = pytest.mark.django_db


def email_made(now, **changes) -> OutboundEmail:
    values = {
        "template": "email_confirmation",
        "to_address": "Camille@Example.fr",
        "to_masked": "c•••••e@example.fr",
        "account_id": 42,
        "subject": "Confirmation de votre adresse mail",
        "body_text": "Bonjour Camille DURAND, …",
        "body_html": "<p>Bonjour Camille DURAND, …</p>",
        "shown_text": "Bonjour ••••••••••",
        "shown_html": "<p>Bonjour ••••••••••</p>",
        "created_at": now,
        "next_attempt_at": now + timedelta(seconds=2),
        "message_id": "<abc@moncompte.example>",
        "request_id": "r1",
        "list_unsubscribe": "",
        "lane": Lane.FIRST,
    }
    return OutboundEmail(**{**values, **changes})


@pytest.mark.parametrize(
    "changes", [{}, {"account_id": None, "lane": Lane.NOTIFICATIONS, "list_unsubscribe": "<mailto:x>"}]
)
def test_an_email_written_on_a_cursor_is_the_row_the_orm_writes(now, changes):
    written = email_made(now, **changes)
    with CaptureQueriesContext(connection) as queries:
        outbound_email_insert(written)
    assert len(queries) == 1
    assert written.pk is not None
    assert not written._state.adding
    twin = email_made(now, **changes)
    twin.save(force_insert=True)
    stored, expected = OutboundEmail.objects.get(pk=written.pk), OutboundEmail.objects.get(pk=twin.pk)
    assert model_to_dict(stored, exclude=["id"]) == model_to_dict(expected, exclude=["id"])
    assert (stored.status, stored.attempts, stored.created_at, stored.sent_at) == (EmailStatus.PENDING, 0, now, None)
    assert stored.body_html == "<p>Bonjour Camille DURAND, …</p>"
