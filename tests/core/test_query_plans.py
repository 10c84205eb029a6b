"""Issue 13 (scale): the hot queries of the journey can use an index on PostgreSQL — the identity step, sign-in,
the email-uniqueness check, the confirmation link, the app's tokens, the outbox claim and the 21-day job. With
sequential scans switched off, a query that has no usable index still shows one in its plan."""

from datetime import UTC, datetime

import pytest
from django.db import connection

from moncompte.accounts.models import Account, EmailAddress, EmailLink
from moncompte.appsessions.models import AppToken
from moncompte.enrollment.email_links import _overdue
from moncompte.outbox.models import EmailStatus, OutboundEmail
from moncompte.registry.models import Beneficiary

pytestmark = [pytest.mark.django_db, pytest.mark.postgresql]
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

HOT_QUERIES = {
    "identity step: the person by NIR": lambda: Beneficiary.objects.filter(nir="2840588321025"),
    "sign-in: the account of a NIR": lambda: Account.objects.filter(beneficiary__nir="2840588321025"),
    "email uniqueness": lambda: EmailAddress.objects.filter(canonical="camille@example.fr"),
    "confirmation link by its digest": lambda: EmailLink.objects.filter(digest="0" * 64),
    "app token by its digest": lambda: AppToken.objects.filter(digest="0" * 64),
    "outbox: the next due email": lambda: OutboundEmail.objects.filter(
        status=EmailStatus.PENDING, next_attempt_at__lte=NOW
    ).order_by("next_attempt_at", "id")[:1],
    "21-day job: a batch of overdue pending addresses": lambda: _overdue(NOW).filter(pk__gt=0).order_by("pk")[:500],
    "21-day job: a batch of old links": lambda: EmailLink.objects.filter(sent_at__lte=NOW).values("pk")[:500],
}


@pytest.mark.parametrize("name", HOT_QUERIES)
def test_each_hot_query_uses_an_index(name):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = HOT_QUERIES[name]().explain()
    assert "Seq Scan" not in plan, f"{name}:\n{plan}"
    assert "Index" in plan, f"{name}:\n{plan}"
