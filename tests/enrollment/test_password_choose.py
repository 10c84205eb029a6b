"""Choosing and replacing the personal code (R-PW1..8, R-LIM5) at the level of password_check and
password_store: the session epoch, the dates, what a replaced code does to an address change in progress."""

from datetime import timedelta

import pytest

from moncompte.accounts.models import Account, EmailAddress
from moncompte.accounts.states import AccountState
from moncompte.audit.models import AuditEvent
from moncompte.enrollment.email_links import email_replace
from moncompte.enrollment.errors import PasswordRefused
from moncompte.enrollment.password_choose import password_check, password_choose, password_store
from moncompte.outbox.models import OutboundEmail
from moncompte.selfservice.sign_in import sign_in
from tests import factories
from tests.factories import CLIENT

pytestmark = pytest.mark.django_db
NEW_CODE = "Nouveau-Code-2027"


def test_a_code_and_a_different_confirmation_are_refused_for_the_confirmation_R_PW6(code_sent, now):
    journey = factories.active(code_sent, now)
    with pytest.raises(PasswordRefused) as refused:
        password_check(account=journey.account, password=NEW_CODE, confirmation="Nouveau-Code-2028")
    assert [(e.field, e.message) for e in refused.value.errors] == [
        ("confirmation", "La confirmation ne correspond pas au code saisi.")
    ]


def test_the_first_code_starts_a_new_session_epoch_and_dates_the_account_s_change_R_LIM5(code_sent, now):
    signed = sign_in(nir=code_sent.nir, secret=code_sent.clear, client=CLIENT, now=now)
    journey = factories.Journey(Account.objects.get(pk=signed.account_id), now)
    epoch = journey.account.session_epoch
    later = now + timedelta(minutes=5)
    chosen = password_store(
        account=journey.account, password=NEW_CODE, client=CLIENT, now=later, event="password_chosen"
    )
    account = journey.refresh()
    assert (chosen.replaced, chosen.session_epoch, account.session_epoch) == (False, epoch + 1, epoch + 1)
    assert (account.state, account.state_changed_at) == (AccountState.CONTACT_PENDING, later)


def test_a_replaced_code_says_so(code_sent, now):
    journey = factories.active(code_sent, now)
    changed = password_store(
        account=journey.account, password=NEW_CODE, client=CLIENT, now=now, event="password_changed"
    )
    assert changed.replaced is True


def test_a_new_code_cancels_an_address_change_in_progress_and_keeps_the_confirmed_address(code_sent, now):
    journey = factories.active(code_sent, now)
    email_replace(account_id=journey.account.pk, address="new@example.fr", client=CLIENT, now=now)
    password_store(account=journey.account, password=NEW_CODE, client=CLIENT, now=now, event="password_changed")
    assert list(EmailAddress.objects.values_list("address", flat=True)) == ["camille@example.fr"]
    assert AuditEvent.objects.filter(event="email_change_cancelled").count() == 1


def test_a_new_code_without_an_address_change_cancels_nothing(code_sent, now):
    journey = factories.active(code_sent, now)
    password_store(account=journey.account, password=NEW_CODE, client=CLIENT, now=now, event="password_changed")
    assert not AuditEvent.objects.filter(event="email_change_cancelled").exists()


def test_a_new_code_before_any_address_is_confirmed_keeps_the_pending_one(code_sent, now):
    journey = factories.with_link_sent(code_sent, now)
    password_store(account=journey.account, password=NEW_CODE, client=CLIENT, now=now, event="password_changed")
    assert list(EmailAddress.objects.values_list("address", flat=True)) == ["camille@example.fr"]
    assert not AuditEvent.objects.filter(event="email_change_cancelled").exists()


def test_a_new_code_cancels_only_this_account_s_address_change(code_sent, now):
    from tests.enrollment.test_email_links import pending_account

    journey = factories.active(code_sent, now)
    pending_account("1850575056048", "autre@example.fr", at=now)
    email_replace(account_id=journey.account.pk, address="new@example.fr", client=CLIENT, now=now)
    password_store(account=journey.account, password=NEW_CODE, client=CLIENT, now=now, event="password_changed")
    assert sorted(EmailAddress.objects.values_list("address", flat=True)) == ["autre@example.fr", "camille@example.fr"]


def test_a_replaced_code_is_told_to_the_confirmed_address_with_its_time_and_audited(code_sent, now):
    journey = factories.active(code_sent, now)
    email_replace(account_id=journey.account.pk, address="new@example.fr", client=CLIENT, now=now)
    changed = password_store(
        account=journey.account, password=NEW_CODE, client=CLIENT, now=now, event="password_changed"
    )
    notice = OutboundEmail.objects.get(template="password_changed")
    assert (notice.to_address, notice.account_id) == ("camille@example.fr", journey.account.pk)
    assert "a été modifié le 02/03/2026 à 10h00" in notice.body_text
    for event in ("email_change_cancelled", "password_changed"):
        row = AuditEvent.objects.get(event=event)
        assert (row.at, row.account_id, row.client_address) == (now, journey.account.pk, CLIENT.address)
    assert (changed.account_id, changed.state) == (journey.account.pk, AccountState.ACTIVE)


def test_a_first_code_before_any_confirmed_address_tells_nobody(code_sent, now):
    journey = factories.with_link_sent(code_sent, now)
    password_store(account=journey.account, password=NEW_CODE, client=CLIENT, now=now, event="password_changed")
    assert not OutboundEmail.objects.filter(template="password_changed").exists()


def test_choosing_the_code_checks_its_confirmation_and_is_audited_as_chosen_R_PW6(code_sent, now):
    signed = sign_in(nir=code_sent.nir, secret=code_sent.clear, client=CLIENT, now=now)
    with pytest.raises(PasswordRefused):
        password_choose(
            account_id=signed.account_id, password=NEW_CODE, confirmation="Autre-Code-2027", client=CLIENT, now=now
        )
    password_choose(account_id=signed.account_id, password=NEW_CODE, confirmation=NEW_CODE, client=CLIENT, now=now)
    row = AuditEvent.objects.get(event="password_chosen")
    assert (row.account_id, row.client_address) == (signed.account_id, CLIENT.address)


def test_a_first_code_reads_no_address_and_the_person_comes_with_the_account(code_sent, now):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    signed = sign_in(nir=code_sent.nir, secret=code_sent.clear, client=CLIENT, now=now)
    with CaptureQueriesContext(connection) as queries:
        password_choose(account_id=signed.account_id, password=NEW_CODE, confirmation=NEW_CODE, client=CLIENT, now=now)
    read = [q["sql"] for q in queries]
    assert [q for q in read if q.startswith('SELECT "registry_beneficiary"')] == []
    assert [q for q in read if q.startswith('SELECT "accounts_emailaddress"')] == []  # the journey skips it
