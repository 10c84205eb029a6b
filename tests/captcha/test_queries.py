"""The CAPTCHA's hand-written SQL (captcha/queries.py), on SQLite and on PostgreSQL (this file runs on both)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from moncompte.captcha.models import SpentToken
from moncompte.captcha.queries import spent_token_insert

pytestmark = pytest.mark.django_db


def test_a_digest_is_written_once_and_a_second_spending_is_told_apart_R_CAP2(now):
    assert spent_token_insert(digest="d1", expires_at=now)
    assert not spent_token_insert(digest="d1", expires_at=now + timedelta(hours=1))
    assert spent_token_insert(digest="d2", expires_at=now)
    # The first spending's expiry stays, stored as the ORM stores a date (the purge compares it).
    assert dict(SpentToken.objects.values_list("digest", "expires_at")) == {"d1": now, "d2": now}
    assert SpentToken.objects.filter(expires_at__lt=now + timedelta(seconds=1)).count() == 2


def test_a_spending_is_one_statement_with_no_savepoint_even_when_refused(now):
    spent_token_insert(digest="d1", expires_at=now)
    with CaptureQueriesContext(connection) as queries:
        assert not spent_token_insert(digest="d1", expires_at=now)
        assert SpentToken.objects.count() == 1  # the transaction is still usable after the refusal
    assert len(queries) == 2
