"""Email links (R-EM4..7) at the level of their use cases: what opening a link records, who may ask for a new
one from a link, and what the 21-day erasure leaves (mutmut's survivors in enrollment/email_links.py)."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from moncompte.accounts.models import Account, EmailAddress, EmailLink
from moncompte.accounts.states import AccountState
from moncompte.audit.models import AuditEvent
from moncompte.enrollment.email_links import (
    LinkStatus,
    _forget,
    email_confirm,
    email_replace,
    link_opened,
    link_resend,
    link_resend_from_link,
    link_status,
    pending_emails_forget,
)
from moncompte.enrollment.errors import LinkResendImpossible
from moncompte.registry.models import Beneficiary
from tests import factories
from tests.factories import CLIENT, last_link_token

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


def test_opening_a_link_counts_each_opening_and_keeps_the_first_time_for_support_R_EM4(code_sent, now):
    factories.with_link_sent(code_sent, now)
    token = last_link_token("camille@example.fr")
    link_opened(token=token, client=CLIENT, now=now + timedelta(minutes=1))
    link_opened(token=token, client=CLIENT, now=now + timedelta(minutes=2))
    link = EmailLink.objects.get()
    assert (link.opens, link.first_opened_at) == (2, now + timedelta(minutes=1))
    event = AuditEvent.objects.filter(event="email_link_opened").latest("id")
    assert (event.account_id, event.client_address, event.details) == (
        link.account_id,
        CLIENT.address,
        {"status": "valid"},
    )


def test_opening_one_link_touches_no_other_link(code_sent, now):
    journey = factories.with_link_sent(code_sent, now)
    old = last_link_token("camille@example.fr")
    link_resend(account_id=journey.account.pk, client=CLIENT, now=now + timedelta(minutes=2))
    link_opened(token=old, client=CLIENT, now=now + timedelta(minutes=3))
    assert list(EmailLink.objects.order_by("sent_at").values_list("opens", flat=True)) == [1, 0]


def test_an_unknown_link_records_nothing(db, now):
    link_opened(token="not-a-token", client=CLIENT, now=now)
    assert not AuditEvent.objects.exists()


def test_a_new_link_from_a_link_only_when_that_link_was_replaced_or_expired_R_EM5(code_sent, now):
    factories.with_link_sent(code_sent, now)
    with pytest.raises(LinkResendImpossible):  # the latest link, still valid: nothing to replace
        link_resend_from_link(token=last_link_token("camille@example.fr"), client=CLIENT, now=now)
    with pytest.raises(LinkResendImpossible):
        link_resend_from_link(token="not-a-token", client=CLIENT, now=now)


def test_a_new_link_from_an_expired_one_is_audited_with_the_client_R_EM6(code_sent, now):
    factories.with_link_sent(code_sent, now)
    link_resend_from_link(token=last_link_token("camille@example.fr"), client=CLIENT, now=now + 8 * DAY)
    assert AuditEvent.objects.get(event="email_link_resent").client_address == CLIENT.address


def pending_account(nir: str, address: str, *, at, pk: int | None = None) -> Account:
    person = Beneficiary.objects.create(
        nir=nir, last_name="M", first_name="V", birth_date=date(1985, 5, 12), postal_code="75011"
    )
    account = Account.objects.create(
        beneficiary=person, state=AccountState.EMAIL_PENDING, created_at=at, code_email=address
    )
    email = EmailAddress.objects.create(pk=pk, account=account, address=address, canonical=address, created_at=at)
    EmailLink.objects.create(account=account, email=email, canonical=address, digest=address.ljust(64, "0"), sent_at=at)
    return account


def test_the_address_with_the_first_id_is_forgotten_too_R_EM7(db, now):
    pending_account("1850575056048", "p@example.fr", at=now, pk=1)
    assert pending_emails_forget(now=now + 22 * DAY) == 1


def test_an_erasure_is_audited_and_dated_and_leaves_other_accounts_links_R_EM7(db, now):
    overdue = pending_account("1850575056048", "old@example.fr", at=now)
    recent = pending_account("1850575056049", "new@example.fr", at=now + 10 * DAY)
    later = now + 22 * DAY
    assert pending_emails_forget(now=later) == 1
    overdue.refresh_from_db()
    assert (overdue.state, overdue.state_changed_at) == (AccountState.CONTACT_PENDING, later)
    assert list(EmailLink.objects.values_list("account_id", flat=True)) == [recent.pk]
    assert AuditEvent.objects.get(event="email_forgotten").account_id == overdue.pk


def test_an_address_gone_or_no_longer_overdue_is_not_counted_as_forgotten(db, now):
    recent = pending_account("1850575056048", "new@example.fr", at=now)
    email_id = EmailAddress.objects.get(account=recent).pk
    assert _forget(email_id, cutoff=now - DAY, now=now) is False  # a link was sent after the cutoff
    assert _forget(email_id + 1000, cutoff=now, now=now) is False  # gone meanwhile
    assert EmailAddress.objects.filter(pk=email_id).exists()


def test_confirming_a_new_address_replaces_only_this_account_s_confirmed_one_and_clears_its_bounce_R_DLV2(
    code_sent, now
):
    journey = factories.active(code_sent, now)
    other = pending_account("1850575056048", "autre@example.fr", at=now)
    EmailAddress.objects.filter(account=other).update(confirmed_at=now)
    email_replace(account_id=journey.account.pk, address="new@example.fr", client=CLIENT, now=now)
    EmailAddress.objects.filter(address="new@example.fr").update(undeliverable_at=now, undeliverable_reason="550")
    state = email_confirm(token=last_link_token("new@example.fr"), client=CLIENT, now=now)
    assert state.status is LinkStatus.CONFIRMED
    assert sorted(EmailAddress.objects.values_list("address", "undeliverable_at", "undeliverable_reason")) == [
        ("autre@example.fr", None, ""),
        ("new@example.fr", None, ""),
    ]


def test_a_click_that_loses_to_a_parallel_one_says_already_confirmed_with_the_link(code_sent, now, monkeypatch):
    from moncompte.enrollment import email_links

    factories.with_link_sent(code_sent, now)
    pending_account("1850575056048", "autre@example.fr", at=now)  # someone else's address, still unconfirmed
    token = last_link_token("camille@example.fr")
    seen = email_links.link_status(token=token, now=now)
    EmailAddress.objects.filter(address="camille@example.fr").update(
        confirmed_at=now
    )  # the other click, between the read and the lock
    monkeypatch.setattr(email_links, "link_status", lambda **_: seen)
    state = email_confirm(token=token, client=CLIENT, now=now)
    assert (state.status, state.link, state.email_masked) == (
        LinkStatus.ALREADY_CONFIRMED,
        seen.link,
        "c•••••e@example.fr",
    )


def test_the_21_day_job_works_one_address_at_a_time_too_and_says_how_many_it_forgot_R_EM7(db, now, caplog):
    for index in range(3):
        pending_account(f"18505750560{index:02d}", f"p{index}@example.fr", at=now)
    with caplog.at_level("INFO", logger="moncompte.enrollment"):
        assert pending_emails_forget(now=now + 22 * DAY, batch_size=1) == 3
    assert "3 adresse(s) non confirmée(s) oubliée(s) après 21 jours" in caplog.messages


def test_links_of_confirmed_addresses_are_deleted_after_21_days_batch_after_batch(db, now):
    account = pending_account("1850575056048", "p@example.fr", at=now)
    EmailAddress.objects.update(confirmed_at=now)
    email = EmailAddress.objects.get()
    for index in range(4):
        EmailLink.objects.create(
            account=account, email=email, canonical=email.canonical, digest=f"{index:064d}", sent_at=now
        )
    assert pending_emails_forget(now=now + 22 * DAY, batch_size=2) == 0
    assert not EmailLink.objects.exists()


def test_confirming_dates_the_link_and_the_account_s_change_audits_it_and_counts_it_by_provider_R_EM4(
    code_sent, now, django_capture_on_commit_callbacks
):
    from moncompte.core import metrics
    from moncompte.outbox.providers import provider_of

    journey = factories.with_link_sent(code_sent, now)
    link = EmailLink.objects.get()
    counted = metrics.emails_confirmed.labels(provider_of("camille@example.fr"))
    before = counted._value.get()
    later = now + timedelta(hours=1)
    seen = link_status(token=last_link_token("camille@example.fr"), now=later)
    with django_capture_on_commit_callbacks(execute=True):
        state = email_confirm(token=last_link_token("camille@example.fr"), client=CLIENT, now=later)
    assert (state.status, state.link, state.email_masked) == (LinkStatus.CONFIRMED, seen.link, "c•••••e@example.fr")
    assert seen.link is not None
    assert seen.link.id == link.pk
    link.refresh_from_db()
    account = journey.refresh()
    assert (link.used_at, account.state, account.state_changed_at) == (later, AccountState.ACTIVE, later)
    event = AuditEvent.objects.get(event="email_confirmed")
    assert (event.account_id, event.client_address, event.details) == (
        account.pk,
        CLIENT.address,
        {"email": "c•••••e@example.fr"},
    )
    assert counted._value.get() == before + 1


def test_a_confirmed_link_read_again_says_already_confirmed_with_its_link_and_address_R_EM4(code_sent, now):
    factories.active(code_sent, now)
    link = EmailLink.objects.get()
    state = link_status(token=last_link_token("camille@example.fr"), now=now)
    assert (state.status, state.link and state.link.id, state.email_masked) == (
        LinkStatus.ALREADY_CONFIRMED,
        link.pk,
        "c•••••e@example.fr",
    )


def test_a_link_is_read_with_its_address_and_account_in_one_query(code_sent, now):
    factories.with_link_sent(code_sent, now)
    token = last_link_token("camille@example.fr")
    with CaptureQueriesContext(connection) as queries:
        state = link_status(token=token, now=now)
        assert state.link is not None
        assert (state.link.email_address, state.link.account_state) == ("camille@example.fr", "email_pending")
    # The link with its address and account, and the account's latest link in the same statement (issue 22).
    assert len(queries) == 1


def test_an_address_given_within_21_days_is_kept_even_without_a_link_R_EM7(db, now):
    account = pending_account("1850575056048", "p@example.fr", at=now)
    EmailLink.objects.filter(account=account).delete()  # claimed, its link not written yet
    assert pending_emails_forget(now=now + 20 * DAY) == 0
    assert EmailAddress.objects.exists()


def test_a_link_valid_expired_or_replaced_names_its_address_masked_R_EM5_R_EM6(code_sent, now):
    journey = factories.with_link_sent(code_sent, now)
    first = last_link_token("camille@example.fr")
    assert link_status(token=first, now=now).email_masked == "c•••••e@example.fr"
    assert link_status(token=first, now=now + 8 * DAY).email_masked == "c•••••e@example.fr"  # expired
    link_resend(account_id=journey.account.pk, client=CLIENT, now=now + 2 * DAY)
    replaced = link_status(token=first, now=now + 2 * DAY)
    assert (replaced.status, replaced.email_masked) == (LinkStatus.REPLACED, "c•••••e@example.fr")


def test_a_link_whose_address_is_gone_names_none_R_EM5(code_sent, now):
    journey = factories.with_link_sent(code_sent, now)
    first = last_link_token("camille@example.fr")
    email_replace(account_id=journey.account.pk, address="autre@example.fr", client=CLIENT, now=now)
    state = link_status(token=first, now=now)
    assert (state.status, state.email_masked) == (LinkStatus.REPLACED, "")


def test_confirming_an_address_says_whether_it_replaced_the_confirmed_one(code_sent, now):
    from moncompte.selfservice.account_manage import email_change_request
    from tests.factories import PERSONAL_CODE

    journey = factories.with_link_sent(code_sent, now)
    first = email_confirm(token=last_link_token("camille@example.fr"), client=CLIENT, now=now)
    assert (first.status, first.address_changed) == (LinkStatus.CONFIRMED, False)
    email_change_request(
        account_id=journey.account.pk, address="new@example.fr", current_password=PERSONAL_CODE, client=CLIENT, now=now
    )
    changed = email_confirm(token=last_link_token("new@example.fr"), client=CLIENT, now=now)
    assert (changed.status, changed.address_changed) == (LinkStatus.CONFIRMED, True)
