"""The hand-written SQL of accounts (accounts/queries.py, the session standing of accounts/selectors.py), on
SQLite and on PostgreSQL (this file runs on both): each says what the ORM said, in fewer round trips."""

from datetime import timedelta

import pytest
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext

from moncompte.accounts.models import Account
from moncompte.accounts.queries import password_hash_set, provisional_account_insert
from moncompte.accounts.selectors import SessionStanding, session_standing_of
from moncompte.accounts.states import AccountState

pytestmark = pytest.mark.django_db


def test_a_first_visit_writes_the_row_the_orm_would_write(beneficiary, now):
    with CaptureQueriesContext(connection) as queries:
        made = provisional_account_insert(beneficiary=beneficiary, email="camille@example.fr", now=now)
    assert len(queries) == 1  # no savepoint around it
    assert made is not None
    assert made.pk is not None
    assert not made._state.adding
    assert made.greeting() == {"first_name": "Camille", "last_name": "DURAND"}  # its person, with no read
    stored = Account.objects.get(pk=made.pk)
    expected = Account(beneficiary=beneficiary, created_at=now, state_changed_at=now, code_email="camille@example.fr")
    assert model_to_dict(stored, exclude=["id"]) == model_to_dict(expected, exclude=["id"])
    assert stored.state == AccountState.PROVISIONAL
    assert stored.created_at == now


def test_a_second_first_visit_of_the_same_person_finds_the_account_made_meanwhile(beneficiary, now):
    first = provisional_account_insert(beneficiary=beneficiary, email="camille@example.fr", now=now)
    again = provisional_account_insert(beneficiary=beneficiary, email="other@example.fr", now=now + timedelta(1))
    assert first is not None
    assert again is None
    assert Account.objects.get().code_email == "camille@example.fr"  # the first one's, untouched
    assert Account.objects.count() == 1  # and the transaction is still usable


def test_a_personal_code_stored_returns_the_new_session_epoch_R_LIM5(beneficiary, now):
    account = provisional_account_insert(beneficiary=beneficiary, email="camille@example.fr", now=now)
    assert account is not None
    with CaptureQueriesContext(connection) as queries:
        assert password_hash_set(account_id=account.pk, digest="h1", replacing=None) == 1
    assert len(queries) == 1
    assert password_hash_set(account_id=account.pk, digest="h2", replacing="h1") == 2
    assert password_hash_set(account_id=account.pk, digest="h3", replacing="h1") is None  # replaced meanwhile
    assert password_hash_set(account_id=account.pk + 1, digest="h3", replacing=None) is None  # no such account
    assert Account.objects.values_list("password_hash", "session_epoch").get() == ("h2", 2)


def test_the_session_standing_is_the_state_and_epoch_of_the_account_or_none(beneficiary, now):
    account = provisional_account_insert(beneficiary=beneficiary, email="camille@example.fr", now=now)
    assert account is not None
    Account.objects.filter(pk=account.pk).update(state=AccountState.EMAIL_PENDING, session_epoch=3)
    with CaptureQueriesContext(connection) as queries:
        assert session_standing_of(account_id=account.pk) == SessionStanding(AccountState.EMAIL_PENDING, 3)
    assert len(queries) == 1
    assert session_standing_of(account_id=account.pk + 1) is None
