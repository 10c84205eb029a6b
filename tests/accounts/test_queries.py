"""The hand-written SQL of accounts (accounts/queries.py, the session standing of accounts/selectors.py), on
SQLite and on PostgreSQL (this file runs on both): each says what the ORM said, in fewer round trips."""

from datetime import date, timedelta

import pytest
from django.db import connection, transaction
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext

from moncompte.accounts.models import Account, EmailAddress, EmailLink
from moncompte.accounts.queries import (
    AddressRow,
    HeldAddress,
    LinkFound,
    SignInAccount,
    account_of_nir,
    account_state_move,
    address_confirm,
    addresses_claim_rows,
    addresses_locked_of,
    link_by_digest,
    link_opened_count,
    password_hash_set,
    provisional_account_insert,
)
from moncompte.accounts.selectors import (
    FORGETTING_EVENTS,
    ContactStep,
    PersonalCodeStep,
    PersonName,
    SessionStanding,
    contact_step_of,
    personal_code_step_of,
    session_standing_of,
)
from moncompte.accounts.states import AccountState
from moncompte.audit.models import AuditEvent
from moncompte.registry.models import Beneficiary

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


def _link(account: Account, email: EmailAddress | None, *, digest: str, at) -> EmailLink:
    canonical = email.canonical if email else "camille@example.fr"
    return EmailLink.objects.create(account=account, email=email, canonical=canonical, digest=digest, sent_at=at)


def test_a_link_is_found_by_its_digest_with_its_address_its_account_s_state_and_whether_it_is_the_latest(
    beneficiary, now
):
    account = provisional_account_insert(beneficiary=beneficiary, email="camille@example.fr", now=now)
    assert account is not None
    Account.objects.filter(pk=account.pk).update(state=AccountState.EMAIL_PENDING)
    email = EmailAddress.objects.create(
        account=account, address="Camille@Example.fr", canonical="camille@example.fr", created_at=now
    )
    first = _link(account, email, digest="a" * 64, at=now)
    second = _link(account, email, digest="b" * 64, at=now + timedelta(minutes=2))
    with CaptureQueriesContext(connection) as queries:
        found = link_by_digest(digest="a" * 64)
    assert len(queries) == 1
    assert found == LinkFound(
        id=first.pk,
        account_id=account.pk,
        account_state=AccountState.EMAIL_PENDING,
        canonical="camille@example.fr",
        sent_at=now,
        latest=False,  # a newer one was sent (R-EM2)
        email_id=email.pk,
        email_address="Camille@Example.fr",
        email_confirmed=False,
    )
    latest = link_by_digest(digest="b" * 64)
    assert latest is not None
    assert (latest.id, latest.latest, latest.sent_at) == (second.pk, True, now + timedelta(minutes=2))
    assert link_by_digest(digest="c" * 64) is None


def test_links_sent_at_the_same_moment_take_the_last_written_as_the_latest_as_the_orm_did(beneficiary, now):
    account = provisional_account_insert(beneficiary=beneficiary, email="camille@example.fr", now=now)
    assert account is not None
    email = EmailAddress.objects.create(
        account=account, address="c@example.fr", canonical="c@example.fr", created_at=now
    )
    _link(account, email, digest="a" * 64, at=now)
    _link(account, email, digest="b" * 64, at=now)
    found = [link_by_digest(digest=digest) for digest in ("a" * 64, "b" * 64)]
    assert [each.latest if each else None for each in found] == [False, True]


def test_a_link_of_a_confirmed_or_a_forgotten_address_says_so(beneficiary, now):
    account = provisional_account_insert(beneficiary=beneficiary, email="camille@example.fr", now=now)
    assert account is not None
    email = EmailAddress.objects.create(
        account=account, address="c@example.fr", canonical="c@example.fr", created_at=now, confirmed_at=now
    )
    _link(account, email, digest="a" * 64, at=now)
    confirmed = link_by_digest(digest="a" * 64)
    assert confirmed is not None
    assert (confirmed.email_id, confirmed.email_confirmed, confirmed.latest) == (email.pk, True, True)
    # Another account's newer link is not this account's latest.
    someone = Beneficiary.objects.create(
        nir="1850575056048", last_name="MARTIN", first_name="Paul", birth_date=date(1985, 5, 1), postal_code="75005"
    )
    other = provisional_account_insert(beneficiary=someone, email="x@example.fr", now=now)
    assert other is not None
    _link(other, None, digest="b" * 64, at=now + timedelta(days=1))
    forgotten = link_by_digest(digest="b" * 64)
    assert forgotten is not None
    assert (forgotten.email_id, forgotten.email_address, forgotten.email_confirmed) == (None, "", False)
    assert (forgotten.account_id, forgotten.account_state, forgotten.latest) == (
        other.pk,
        AccountState.PROVISIONAL,
        True,
    )
    assert link_by_digest(digest="a" * 64) == confirmed


def test_the_account_of_a_nir_is_read_with_its_state_epoch_and_personal_code_or_none(beneficiary, now):
    assert account_of_nir(nir=beneficiary.nir) is None  # a person without account
    account = provisional_account_insert(beneficiary=beneficiary, email="camille@example.fr", now=now)
    assert account is not None
    with CaptureQueriesContext(connection) as queries:
        found = account_of_nir(nir="2840588321025")
    assert len(queries) == 1
    assert found == SignInAccount(pk=account.pk, state=AccountState.PROVISIONAL, session_epoch=0, password_hash="")
    Account.objects.filter(pk=account.pk).update(state=AccountState.ACTIVE, session_epoch=2, password_hash="h")
    assert account_of_nir(nir="2840588321025") == SignInAccount(
        pk=account.pk, state=AccountState.ACTIVE, session_epoch=2, password_hash="h"
    )
    assert account_of_nir(nir="1850575056048") is None  # nobody's


def test_the_personal_code_step_reads_the_person_s_name_and_whether_a_code_is_replaced(beneficiary, now):
    account = provisional_account_insert(beneficiary=beneficiary, email="camille@example.fr", now=now)
    assert account is not None
    with CaptureQueriesContext(connection) as queries:
        step = personal_code_step_of(account_id=account.pk)
    assert len(queries) == 1
    assert step == PersonalCodeStep(person=PersonName(first_name="Camille", last_name="DURAND"), replacing=False)
    Account.objects.filter(pk=account.pk).update(password_hash="h")
    assert personal_code_step_of(account_id=account.pk).replacing is True
    with pytest.raises(Account.DoesNotExist):
        personal_code_step_of(account_id=account.pk + 1)


@pytest.mark.parametrize("event", FORGETTING_EVENTS)
def test_the_contact_step_reads_the_code_s_address_and_whether_one_was_forgotten_R_EM7(beneficiary, now, event):
    account = provisional_account_insert(beneficiary=beneficiary, email="camille@example.fr", now=now)
    assert account is not None
    AuditEvent.objects.create(at=now, event="email_link_resent", account_id=account.pk)  # not a forgetting
    with CaptureQueriesContext(connection) as queries:
        step = contact_step_of(account_id=account.pk)
    assert len(queries) == 1
    assert step == ContactStep(code_email="camille@example.fr", forgotten=False)
    AuditEvent.objects.create(at=now, event=event, account_id=account.pk + 1)  # someone else's
    assert contact_step_of(account_id=account.pk).forgotten is False
    AuditEvent.objects.create(at=now, event=event, account_id=account.pk)
    assert contact_step_of(account_id=account.pk) == ContactStep(code_email="camille@example.fr", forgotten=True)
    with pytest.raises(Account.DoesNotExist):
        contact_step_of(account_id=account.pk + 1)


def test_a_state_moves_only_from_the_state_seen_dated_when_asked(beneficiary, now):
    account = provisional_account_insert(beneficiary=beneficiary, email="camille@example.fr", now=now)
    assert account is not None
    later = now + timedelta(minutes=5)
    with CaptureQueriesContext(connection) as queries:
        moved = account_state_move(
            account_id=account.pk, seen=AccountState.PROVISIONAL, target=AccountState.CONTACT_PENDING, changed_at=later
        )
    assert (moved, len(queries)) == (True, 1)
    assert Account.objects.values_list("state", "state_changed_at").get() == (AccountState.CONTACT_PENDING, later)
    # Seen in a state it has left (a parallel request moved it): nothing written.
    stale = account_state_move(
        account_id=account.pk, seen=AccountState.PROVISIONAL, target=AccountState.EMAIL_PENDING, changed_at=now
    )
    assert stale is False
    assert Account.objects.values_list("state", "state_changed_at").get() == (AccountState.CONTACT_PENDING, later)
    # An arrow that keeps the state leaves its date alone.
    same = account_state_move(account_id=account.pk, seen="contact_pending", target="contact_pending", changed_at=None)
    assert same is True
    assert Account.objects.values_list("state", "state_changed_at").get() == (AccountState.CONTACT_PENDING, later)
    assert not account_state_move(account_id=account.pk + 1, seen="provisional", target="active", changed_at=now)


def test_opening_a_link_counts_one_more_and_keeps_the_first_time_R_SUP4(beneficiary, now):
    account = provisional_account_insert(beneficiary=beneficiary, email="camille@example.fr", now=now)
    assert account is not None
    email = EmailAddress.objects.create(
        account=account, address="c@example.fr", canonical="c@example.fr", created_at=now
    )
    link, other = _link(account, email, digest="a" * 64, at=now), _link(account, email, digest="b" * 64, at=now)
    later = now + timedelta(hours=1)
    with CaptureQueriesContext(connection) as queries:
        link_opened_count(link_id=link.pk, now=now)
    assert len(queries) == 1
    link_opened_count(link_id=link.pk, now=later)
    opened = dict(
        (pk, (opens, first)) for pk, opens, first in EmailLink.objects.values_list("pk", "opens", "first_opened_at")
    )
    assert opened == {link.pk: (2, now), other.pk: (0, None)}


def test_the_addresses_of_an_account_are_read_with_whether_each_is_confirmed_then_one_is_confirmed_R_DLV2(
    beneficiary, now
):
    account = provisional_account_insert(beneficiary=beneficiary, email="camille@example.fr", now=now)
    assert account is not None
    confirmed = EmailAddress.objects.create(
        account=account, address="old@example.fr", canonical="old@example.fr", created_at=now, confirmed_at=now
    )
    pending = EmailAddress.objects.create(
        account=account,
        address="new@example.fr",
        canonical="new@example.fr",
        created_at=now,
        undeliverable_at=now,
        undeliverable_reason="550 unknown user",
    )
    link = _link(account, pending, digest="a" * 64, at=now)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        held = addresses_locked_of(account_id=account.pk)
    assert len(queries) == 1
    assert held == [HeldAddress(id=confirmed.pk, confirmed=True), HeldAddress(id=pending.pk, confirmed=False)]
    assert addresses_locked_of(account_id=account.pk + 1) == []
    later = now + timedelta(hours=1)
    EmailAddress.objects.filter(pk=confirmed.pk).delete()  # replaced, as email_confirm does first
    address_confirm(email_id=pending.pk, link_id=link.pk, now=later)
    rows = EmailAddress.objects.values_list("pk", "confirmed_at", "undeliverable_at", "undeliverable_reason")
    assert list(rows) == [(pending.pk, later, None, "")]
    assert EmailLink.objects.get().used_at == later


def test_claiming_reads_the_row_holding_the_address_and_the_account_s_pending_one_only_R_CT2(beneficiary, now):
    account = provisional_account_insert(beneficiary=beneficiary, email="camille@example.fr", now=now)
    someone = Beneficiary.objects.create(
        nir="1850575056048", last_name="MARTIN", first_name="Paul", birth_date=date(1985, 5, 1), postal_code="75005"
    )
    other = provisional_account_insert(beneficiary=someone, email="p@example.fr", now=now)
    assert account is not None
    assert other is not None
    earlier = now - timedelta(days=2)

    def address(owner, canonical, **dates):
        return EmailAddress.objects.create(
            account=owner, address=canonical, canonical=canonical, created_at=dates.pop("created_at", now), **dates
        )

    mine_confirmed = address(account, "old@example.fr", confirmed_at=now)  # not read: neither wanted nor pending
    mine_pending = address(account, "typo@example.fr", created_at=earlier)
    theirs = address(other, "wanted@example.fr")
    address(other, "else@example.fr", confirmed_at=now)
    with CaptureQueriesContext(connection) as queries:
        rows = addresses_claim_rows(canonical="wanted@example.fr", account_id=account.pk)
    assert len(queries) == 1
    assert sorted(rows, key=lambda row: row.id) == [
        AddressRow(mine_pending.pk, account.pk, "typo@example.fr", confirmed=False, created_at=earlier),
        AddressRow(theirs.pk, other.pk, "wanted@example.fr", confirmed=False, created_at=now),
    ]
    assert sorted(addresses_claim_rows(canonical="old@example.fr", account_id=other.pk), key=lambda row: row.id) == [
        AddressRow(mine_confirmed.pk, account.pk, "old@example.fr", confirmed=True, created_at=now),
        AddressRow(theirs.pk, other.pk, "wanted@example.fr", confirmed=False, created_at=now),
    ]
