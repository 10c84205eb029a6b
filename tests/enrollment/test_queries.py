"""The hand-written SQL of the journey (enrollment/queries.py), on SQLite and on PostgreSQL (this file runs on
both): each says what the ORM said, in one statement on a cursor."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from moncompte.accounts.queries import provisional_account_insert
from moncompte.enrollment.models import ProvisionalCode
from moncompte.enrollment.queries import CodeFound, provisional_code_of

pytestmark = pytest.mark.django_db


def test_a_provisional_code_is_found_by_its_account_and_digest_with_its_expiry_and_whether_it_was_spent(
    beneficiary, now
):
    account = provisional_account_insert(beneficiary=beneficiary, email="camille@example.fr", now=now)
    assert account is not None
    later = now + timedelta(minutes=30)
    live = ProvisionalCode.objects.create(account=account, digest="a" * 64, created_at=now, expires_at=later)
    used = ProvisionalCode.objects.create(
        account=account, digest="b" * 64, created_at=now, expires_at=later, used_at=now
    )
    voided = ProvisionalCode.objects.create(
        account=account, digest="c" * 64, created_at=now, expires_at=later, voided_at=now
    )
    with CaptureQueriesContext(connection) as queries:
        found = provisional_code_of(account_id=account.pk, digest="a" * 64)
    assert len(queries) == 1
    assert found == CodeFound(id=live.pk, digest="a" * 64, expires_at=later, used=False, voided=False)
    assert provisional_code_of(account_id=account.pk, digest="b" * 64) == CodeFound(
        id=used.pk, digest="b" * 64, expires_at=later, used=True, voided=False
    )
    assert provisional_code_of(account_id=account.pk, digest="c" * 64) == CodeFound(
        id=voided.pk, digest="c" * 64, expires_at=later, used=False, voided=True
    )


def test_of_two_codes_with_one_digest_the_later_one_is_found_and_no_other_account_s(beneficiary, now):
    account = provisional_account_insert(beneficiary=beneficiary, email="camille@example.fr", now=now)
    assert account is not None
    expiries = [now + timedelta(minutes=minutes) for minutes in (10, 30)]
    rows = [
        ProvisionalCode.objects.create(account=account, digest="a" * 64, created_at=now, expires_at=at)
        for at in expiries
    ]
    found = provisional_code_of(account_id=account.pk, digest="a" * 64)
    assert found is not None
    assert (found.id, found.expires_at) == (rows[1].pk, expiries[1])
    assert provisional_code_of(account_id=account.pk + 1, digest="a" * 64) is None
    assert provisional_code_of(account_id=account.pk, digest="d" * 64) is None
    assert provisional_code_of(account_id=0, digest="") is None  # the read-alike of a NIR without account (R-LIM4)
