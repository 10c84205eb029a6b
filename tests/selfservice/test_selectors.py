"""The account page's overview (selectors.account_overview): what it says of each address and number."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from moncompte.accounts.emails import Window
from moncompte.accounts.models import Account, EmailAddress
from moncompte.selfservice.selectors import account_overview
from tests import factories

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


def test_the_overview_reads_the_person_with_the_account(code_sent, now):
    journey = factories.active(code_sent, now)
    with CaptureQueriesContext(connection) as queries:
        account_overview(account_id=journey.account.pk, now=now)
    assert [q["sql"] for q in queries if q["sql"].startswith('SELECT "registry_beneficiary"')] == []
