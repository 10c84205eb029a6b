"""The hand-written SQL of the journey (enrollment/queries.py), on SQLite and on PostgreSQL (this file runs on
both): each says what the ORM said, in one statement on a cursor."""

from datetime import date, timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from moncompte.accounts.models import Account
from moncompte.accounts.queries import provisional_account_insert
from moncompte.enrollment.models import DeviceCredential, ProvisionalCode
from moncompte.enrollment.queries import (
    CodeFound,
    account_with_person,
    device_digest_of,
    person_with_account_of,
    provisional_code_of,
    provisional_code_use,
    provisional_codes_void,
)
from moncompte.registry.models import Beneficiary

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


def test_a_code_is_used_once_only_if_neither_used_nor_voided_R_CODE2(beneficiary, now):
    account = provisional_account_insert(beneficiary=beneficiary, email="camille@example.fr", now=now)
    assert account is not None
    later = now + timedelta(minutes=30)
    code, voided = (
        ProvisionalCode.objects.create(account=account, digest=digest, created_at=now, expires_at=later)
        for digest in ("a" * 64, "b" * 64)
    )
    ProvisionalCode.objects.filter(pk=voided.pk).update(voided_at=now)
    used_at = now + timedelta(minutes=1)
    with CaptureQueriesContext(connection) as queries:
        assert provisional_code_use(code_id=code.pk, now=used_at) is True
    assert len(queries) == 1
    assert provisional_code_use(code_id=code.pk, now=used_at + timedelta(seconds=1)) is False  # a second use
    assert provisional_code_use(code_id=voided.pk, now=used_at) is False
    stored = dict(ProvisionalCode.objects.values_list("pk", "used_at"))
    assert stored == {code.pk: used_at, voided.pk: None}


def test_voiding_ends_the_account_s_outstanding_codes_only_R_CODE2(beneficiary, now):
    account = provisional_account_insert(beneficiary=beneficiary, email="camille@example.fr", now=now)
    assert account is not None
    someone = Beneficiary.objects.create(
        nir="1850575056048", last_name="MARTIN", first_name="Paul", birth_date=date(1985, 5, 1), postal_code="75005"
    )
    other = provisional_account_insert(beneficiary=someone, email="p@example.fr", now=now)
    assert other is not None
    later, before = now + timedelta(minutes=30), now - timedelta(minutes=5)

    def code(owner, digest, **dates):
        return ProvisionalCode.objects.create(account=owner, digest=digest, created_at=now, expires_at=later, **dates)

    live, live_too = code(account, "a" * 64), code(account, "b" * 64)
    used, voided = code(account, "c" * 64, used_at=before), code(account, "d" * 64, voided_at=before)
    theirs = code(other, "e" * 64)
    with CaptureQueriesContext(connection) as queries:
        assert provisional_codes_void(account_id=account.pk, now=now) == 2
    assert len(queries) == 1
    stored = {
        pk: (used_at, voided_at)
        for pk, used_at, voided_at in ProvisionalCode.objects.values_list("pk", "used_at", "voided_at")
    }
    assert stored == {
        live.pk: (None, now),
        live_too.pk: (None, now),
        used.pk: (before, None),
        voided.pk: (None, before),
        theirs.pk: (None, None),
    }


def test_a_device_s_digest_is_read_only_for_its_account_and_epoch_while_it_lives_R_LIM8(beneficiary, now):
    account = provisional_account_insert(beneficiary=beneficiary, email="camille@example.fr", now=now)
    assert account is not None
    until = now + timedelta(days=180)
    device = DeviceCredential.objects.create(
        account=account, digest="d" * 64, session_epoch=2, channel="web", created_at=now, expires_at=until
    )
    with CaptureQueriesContext(connection) as queries:
        found = device_digest_of(device_id=device.pk, account_id=account.pk, session_epoch=2, now=now)
    assert (found, len(queries)) == ("d" * 64, 1)
    assert device_digest_of(device_id=device.pk, account_id=account.pk + 1, session_epoch=2, now=now) is None
    assert device_digest_of(device_id=device.pk, account_id=account.pk, session_epoch=3, now=now) is None  # R-LIM5
    assert device_digest_of(device_id=device.pk, account_id=account.pk, session_epoch=2, now=until) is None
    assert device_digest_of(device_id=device.pk + 1, account_id=account.pk, session_epoch=2, now=now) is None
    assert device_digest_of(device_id=device.pk, account_id=0, session_epoch=-1, now=now) is None  # no account


def fields_of(row) -> dict[str, object]:
    return {field.attname: getattr(row, field.attname) for field in type(row)._meta.concrete_fields}


def test_the_person_is_read_with_their_account_in_one_query_as_the_orm_reads_them_R_ID1(beneficiary, now):
    account = provisional_account_insert(beneficiary=beneficiary, email="camille@example.fr", now=now)
    assert account is not None
    Account.objects.filter(pk=account.pk).update(mobile="+33612345678", sign_in_blocked_until=now)
    with CaptureQueriesContext(connection) as queries:
        person = person_with_account_of(nir=beneficiary.nir, birth_date=date(1984, 5, 3), postal_code="88100")
        assert person is not None
        read = person.account
        assert read.beneficiary is person
    assert len(queries) == 1
    assert fields_of(person) == fields_of(Beneficiary.objects.get(pk=beneficiary.pk))
    assert fields_of(read) == fields_of(Account.objects.get(pk=account.pk))
    assert isinstance(person.birth_date, date)  # converted as the ORM converts them (text on SQLite)
    assert read.created_at == now


def test_a_person_without_account_is_found_and_nobody_unless_all_three_match_R_ID1(beneficiary):
    with CaptureQueriesContext(connection) as queries:
        person = person_with_account_of(nir=beneficiary.nir, birth_date=date(1984, 5, 3), postal_code="88100")
        assert person is not None
        with pytest.raises(Account.DoesNotExist):
            _ = person.account
    assert (person.pk, len(queries)) == (beneficiary.pk, 1)
    for nir, born, postal in (
        ("2840588321026", date(1984, 5, 3), "88100"),
        (beneficiary.nir, date(1984, 5, 4), "88100"),
        (beneficiary.nir, date(1984, 5, 3), "88101"),
    ):
        assert person_with_account_of(nir=nir, birth_date=born, postal_code=postal) is None


@pytest.mark.parametrize("locked", [False, True])
def test_the_account_is_read_with_its_person_in_one_query_as_the_orm_reads_them(beneficiary, now, locked):
    account = provisional_account_insert(beneficiary=beneficiary, email="camille@example.fr", now=now)
    assert account is not None
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        read = account_with_person(account_id=account.pk, locked=locked)
        assert read.beneficiary.nir == beneficiary.nir
    assert len(queries) == 1
    assert ("FOR UPDATE" in queries[0]["sql"]) is (locked and connection.vendor == "postgresql")
    assert fields_of(read) == fields_of(Account.objects.get(pk=account.pk))
    assert fields_of(read.beneficiary) == fields_of(Beneficiary.objects.get(pk=beneficiary.pk))
    with pytest.raises(Account.DoesNotExist):
        account_with_person(account_id=account.pk + 1)
