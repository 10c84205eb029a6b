"""The contact details step and the links sent again (R-CT1..5, R-EM6, R-EM9): audit rows, dates, limits per
account, landline consents (mutmut's survivors in contact_submit.py and email_links.py)."""

from dataclasses import replace
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from moncompte.accounts import consents
from moncompte.accounts.emails import EmailTaken
from moncompte.accounts.models import Account, EmailAddress
from moncompte.accounts.states import AccountState
from moncompte.audit.models import AuditEvent
from moncompte.enrollment.contact_submit import contact_submit
from moncompte.enrollment.email_links import email_replace, link_resend
from moncompte.enrollment.errors import LinkResendLimited
from moncompte.registry.models import Beneficiary
from tests import factories
from tests.factories import CLIENT, details

pytestmark = pytest.mark.django_db
MASKED = "c•••••e@example.fr"


def audit_row(event: str) -> tuple[object, ...]:
    row = AuditEvent.objects.get(event=event)
    return row.account_id, row.client_address, row.details


def test_contact_details_are_audited_dated_and_ask_about_the_landline_R_CT4(code_sent, now):
    journey = factories.with_personal_code(code_sent, now)
    later = now + timedelta(minutes=4)
    contact_submit(
        account_id=journey.account.pk,
        details=details(landline="+33329000000", yes=("landline_call",)),
        client=CLIENT,
        now=later,
    )
    account = journey.refresh()
    assert (account.state, account.state_changed_at) == (AccountState.EMAIL_PENDING, later)
    assert consents.current(account)["landline_call"] is True
    assert audit_row("contact_details_given") == (account.pk, CLIENT.address, {"email": MASKED})


def test_the_contact_step_reads_the_person_with_the_locked_account(code_sent, now):
    journey = factories.with_personal_code(code_sent, now)
    with CaptureQueriesContext(connection) as queries:
        contact_submit(account_id=journey.account.pk, details=details(), client=CLIENT, now=now)
    assert [q["sql"] for q in queries if q["sql"].startswith('SELECT "registry_beneficiary"')] == []


def other_owner_of(address: str, now) -> Account:
    person = Beneficiary.objects.create(
        nir="1850575056048", last_name="M", first_name="V", birth_date="1985-05-12", postal_code="75011"
    )
    owner = Account.objects.create(beneficiary=person, state=AccountState.ACTIVE, created_at=now, code_email=address)
    EmailAddress.objects.create(account=owner, address=address, canonical=address, created_at=now, confirmed_at=now)
    return owner


def test_addresses_refused_as_taken_are_counted_per_account(code_sent, now, settings):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, email_taken_per_day=1)
    owner = other_owner_of("pris@example.fr", now)
    journey = factories.with_personal_code(code_sent, now)
    with pytest.raises(EmailTaken):
        contact_submit(account_id=journey.account.pk, details=details("pris@example.fr"), client=CLIENT, now=now)
    assert email_replace(account_id=owner.pk, address="libre@example.fr", client=CLIENT, now=now) == "l•••e@example.fr"


def test_a_link_sent_again_is_audited_and_dated(code_sent, now):
    journey = factories.with_link_sent(code_sent, now)
    later = now + timedelta(minutes=2)
    link_resend(account_id=journey.account.pk, client=CLIENT, now=later)
    assert audit_row("email_link_resent") == (journey.account.pk, CLIENT.address, {"email": MASKED})


def test_another_address_is_audited_and_dates_the_account_s_change_R_EM6(code_sent, now):
    journey = factories.with_personal_code(code_sent, now)
    later = now + timedelta(minutes=2)
    email_replace(account_id=journey.account.pk, address="autre@example.fr", client=CLIENT, now=later)
    account = journey.refresh()
    assert (account.state, account.state_changed_at) == (AccountState.EMAIL_PENDING, later)
    assert audit_row("email_pending_replaced") == (account.pk, CLIENT.address, {"email": "a•••e@example.fr"})


def test_a_second_link_within_the_minute_is_refused_with_the_minute_s_message_R_EM9(code_sent, now):
    journey = factories.with_link_sent(code_sent, now)
    with pytest.raises(LinkResendLimited) as limited:
        link_resend(account_id=journey.account.pk, client=CLIENT, now=now + timedelta(seconds=30))
    assert limited.value.message.startswith("Aucun nouveau lien n'a été envoyé")


def test_the_daily_links_are_counted_per_account(code_sent, now, settings):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, email_resends_per_day=1)
    owner = other_owner_of("pris@example.fr", now)
    email_replace(account_id=owner.pk, address="libre@example.fr", client=CLIENT, now=now)  # its one of the day
    journey = factories.with_link_sent(code_sent, now)  # another account's first link goes
    assert journey.refresh().state == AccountState.EMAIL_PENDING


def contact_pending_account(nir: str, now) -> Account:
    person = Beneficiary.objects.create(
        nir=nir, last_name="M", first_name="V", birth_date="1985-05-12", postal_code="75011"
    )
    return Account.objects.create(
        beneficiary=person, state=AccountState.CONTACT_PENDING, created_at=now, code_email=f"{nir}@example.fr"
    )


@pytest.mark.parametrize("step", ["contact", "other_address"])
def test_one_account_s_refused_addresses_never_block_another_s_R_CT2(code_sent, now, settings, step):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, email_taken_per_day=1)
    other_owner_of("pris@example.fr", now)
    first, second = contact_pending_account("1850575056011", now), contact_pending_account("1850575056012", now)

    def give(account: Account, address: str) -> str:
        if step == "contact":
            return contact_submit(account_id=account.pk, details=details(address), client=CLIENT, now=now)
        return email_replace(account_id=account.pk, address=address, client=CLIENT, now=now)

    with pytest.raises(EmailTaken):
        give(first, "pris@example.fr")
    assert give(second, "libre@example.fr") == "l•••e@example.fr"


def test_sending_again_or_elsewhere_reads_the_person_with_the_account(code_sent, now):
    journey = factories.with_link_sent(code_sent, now)
    with CaptureQueriesContext(connection) as queries:
        link_resend(account_id=journey.account.pk, client=CLIENT, now=now + timedelta(minutes=2))
        email_replace(account_id=journey.account.pk, address="autre@example.fr", client=CLIENT, now=now)
    assert [q["sql"] for q in queries if q["sql"].startswith('SELECT "registry_beneficiary"')] == []
