"""The account page's overview (selectors.account_overview): what it says of each address and number."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from moncompte.accounts.consents import consent_record
from moncompte.accounts.emails import Window
from moncompte.accounts.models import Account, ConsentChannel, EmailAddress, EmailLink
from moncompte.core.queries import datetime_read
from moncompte.enrollment.email_links import link_resend
from moncompte.selfservice.phones import PhonesGiven, phones_change
from moncompte.selfservice.selectors import CurrentPhones, account_overview, phones_of
from tests import factories
from tests.factories import CLIENT

pytestmark = pytest.mark.django_db


def test_before_any_link_is_followed_the_overview_shows_the_pending_address_masked_and_its_window(code_sent, now):
    journey = factories.with_link_sent(code_sent, now)
    overview = account_overview(account_id=journey.account.pk, now=now + timedelta(days=8))
    assert (overview.email, overview.pending_email_masked, overview.pending_window) == (
        "",
        "c•••••e@example.fr",
        Window.EXPIRED,
    )
    assert overview.undeliverable_email_masked == ""


def test_with_only_a_confirmed_address_nothing_is_pending(code_sent, now):
    journey = factories.active(code_sent, now)
    overview = account_overview(account_id=journey.account.pk, now=now)
    assert (overview.email, overview.pending_email_masked, overview.pending_window) == ("camille@example.fr", "", None)
    assert overview.pending_email == ""
    assert overview.undeliverable_email_masked == ""


def test_an_address_the_receiving_server_refuses_is_shown_masked_R_DLV2(code_sent, now):
    journey = factories.active(code_sent, now)
    EmailAddress.objects.filter(account=journey.account).update(undeliverable_at=now)
    overview = account_overview(account_id=journey.account.pk, now=now)
    assert overview.undeliverable_email_masked == "c•••••e@example.fr"


def test_a_landline_is_shown_in_the_national_format_with_its_consent_R_CT4(code_sent, now):
    journey = factories.active(code_sent, now)
    Account.objects.filter(pk=journey.account.pk).update(landline="+33329000000")
    overview = account_overview(account_id=journey.account.pk, now=now)
    assert overview.landline == "03 29 00 00 00"
    assert [c.channel for c in overview.consents] == ["email", "landline_call"]


def test_mes_numeros_shows_each_number_nationally_and_each_answer_or_that_none_was_given_R_CT6(code_sent, now):
    journey = factories.active(code_sent, now)
    answers = {ConsentChannel.LANDLINE_CALL: True}
    phones_change(
        account_id=journey.account.pk, phones=PhonesGiven("", "+33145375945", answers), client=CLIENT, now=now
    )
    assert phones_of(account_id=journey.account.pk) == CurrentPhones(
        mobile="",
        landline="01 45 37 59 45",
        mobile_call="pas de réponse",
        mobile_sms="pas de réponse",
        landline_call="oui",
    )


def test_the_overview_reads_the_person_with_the_account(code_sent, now):
    journey = factories.active(code_sent, now)
    with CaptureQueriesContext(connection) as queries:
        account_overview(account_id=journey.account.pk, now=now)
    assert [q["sql"] for q in queries if q["sql"].startswith('SELECT "registry_beneficiary"')] == []
    assert len(queries) == 1  # issue 22, hand-written: the account, its person, its addresses and its consents


def test_a_pending_address_counts_its_window_from_its_last_link_R_EM6(code_sent, now):
    journey = factories.with_link_sent(code_sent, now)
    link_resend(account_id=journey.account.pk, client=factories.CLIENT, now=now + timedelta(days=6))
    later = account_overview(account_id=journey.account.pk, now=now + timedelta(days=8))
    assert (later.pending_email, later.pending_window) == ("camille@example.fr", Window.ACTIVE)


def test_a_pending_address_without_a_link_counts_from_when_it_was_given(code_sent, now):
    journey = factories.with_link_sent(code_sent, now)
    EmailLink.objects.filter(account=journey.account).delete()
    assert account_overview(account_id=journey.account.pk, now=now + timedelta(days=8)).pending_window == Window.EXPIRED


def test_a_new_address_waiting_beside_the_confirmed_one_is_shown_apart(code_sent, now):
    journey = factories.active(code_sent, now)
    address, canonical = "New@Example.fr", "new@example.fr"
    EmailAddress.objects.create(account=journey.account, address=address, canonical=canonical, created_at=now)
    overview = account_overview(account_id=journey.account.pk, now=now)
    assert (overview.email, overview.pending_email, overview.pending_window) == (
        "camille@example.fr",
        "New@Example.fr",
        Window.ACTIVE,
    )


def test_the_last_decision_of_each_consent_counts_R_CT5(code_sent, now):
    journey = factories.active(code_sent, now)
    consent_record(account=journey.account, channel=ConsentChannel.EMAIL, granted=True, now=now, source="compte")
    assert [(c.channel, c.granted) for c in account_overview(account_id=journey.account.pk, now=now).consents] == [
        ("email", True)
    ]
    consent_record(account=journey.account, channel=ConsentChannel.EMAIL, granted=False, now=now, source="compte")
    assert account_overview(account_id=journey.account.pk, now=now).consents[0].granted is False


def test_an_account_erased_meanwhile_is_not_found(db, now):
    with pytest.raises(Account.DoesNotExist):
        account_overview(account_id=404, now=now)


def test_dates_read_on_a_cursor_are_aware_whatever_the_database_gives():
    moment = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert datetime_read("2026-03-02 09:00:00") == moment  # SQLite's text, UTC
    assert datetime_read(moment.replace(tzinfo=None)) == moment  # SQLite's converter, naive UTC
    assert datetime_read(moment) == moment  # PostgreSQL's
    with pytest.raises(ValueError, match="not a date"):
        datetime_read(None)
