import threading
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection

from moncompte.accounts.emails import EmailTaken
from moncompte.accounts.models import Account, ConsentRecord, EmailAddress, EmailLink
from moncompte.accounts.states import AccountState
from moncompte.audit.models import AuditEvent
from moncompte.core import tokens
from moncompte.enrollment.contact_submit import contact_submit
from moncompte.enrollment.email_links import (
    LinkStatus,
    email_confirm,
    email_replace,
    link_resend,
    link_resend_from_link,
    link_status,
    pending_emails_forget,
)
from moncompte.enrollment.errors import LinkResendLimited
from moncompte.outbox.models import OutboundEmail
from moncompte.registry.models import Beneficiary
from tests import factories
from tests.factories import CLIENT, details, last_link_token

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)


def test_contact_details_store_phones_e164_and_move_to_email_pending_R_CT3(code_sent, now):
    journey = factories.with_personal_code(code_sent, now)
    contact_submit(
        account_id=journey.account.pk,
        details=details(mobile="+33650564278", landline="+33145375945"),
        client=CLIENT,
        now=now,
    )
    account = journey.refresh()
    assert (account.mobile, account.landline, account.state) == ("+33650564278", "+33145375945", "email_pending")


def test_consents_are_recorded_only_for_the_questions_asked_R_CT4_R_CT5(code_sent, now):
    journey = factories.with_personal_code(code_sent, now)
    contact_submit(
        account_id=journey.account.pk,
        details=details(mobile="+33650564278", yes=("email", "mobile_sms")),
        client=CLIENT,
        now=now,
    )
    records = {(r.channel, r.granted, r.source, r.wording_version) for r in ConsentRecord.objects.all()}
    assert records == {
        ("email", True, "inscription", "2026-11"),
        ("mobile_call", False, "inscription", "2026-11"),
        ("mobile_sms", True, "inscription", "2026-11"),
    }


def test_the_confirmation_email_follows_the_seed_R_EM2(code_sent, now):
    factories.with_link_sent(code_sent, now)
    email = OutboundEmail.objects.get(template="email_confirmation")
    assert email.subject == "Votre compte ameli - Confirmation de votre adresse mail"
    assert "Confirmer mon email" in email.body_html
    assert (
        "Pour profiter de tous les services de votre compte ameli, merci de confirmer votre email." in email.body_html
    )
    assert "Si vous n'êtes pas à l'origine de cette demande" in email.body_text
    assert "2840588321025" not in email.body_text + email.body_html


def test_the_token_has_256_bits_is_stored_hashed_and_bound_to_the_address_R_EM3(code_sent, now):
    factories.with_link_sent(code_sent, now)
    token = last_link_token("camille@example.fr")
    link = EmailLink.objects.get()
    assert len(token) == 43 + tokens.LINK_CHECK_LENGTH  # 256 random bits and a check of what was sent
    assert tokens.link_token_sent(purpose="email_link", token=token)
    assert link.digest == tokens.digest(purpose="email_link", value=token)
    assert token not in link.digest
    assert link.canonical == "camille@example.fr"
    assert token not in OutboundEmail.objects.get(template="email_confirmation").shown_text


def test_reading_a_link_changes_nothing_and_confirming_twice_says_already_R_EM4(code_sent, now):
    journey = factories.with_link_sent(code_sent, now)
    token = last_link_token("camille@example.fr")
    assert link_status(token=token, now=now).status is LinkStatus.VALID
    assert journey.refresh().state == AccountState.EMAIL_PENDING
    assert email_confirm(token=token, client=CLIENT, now=now).status is LinkStatus.CONFIRMED
    assert journey.refresh().state == AccountState.ACTIVE
    assert email_confirm(token=token, client=CLIENT, now=now).status is LinkStatus.ALREADY_CONFIRMED
    assert AuditEvent.objects.filter(event="email_confirmed").count() == 1


def test_only_the_latest_link_works_R_EM5(code_sent, now):
    journey = factories.with_link_sent(code_sent, now)
    first = last_link_token("camille@example.fr")
    link_resend(account_id=journey.account.pk, client=CLIENT, now=now + timedelta(minutes=2))
    second = last_link_token("camille@example.fr")
    assert link_status(token=first, now=now + timedelta(minutes=3)).status is LinkStatus.REPLACED
    assert email_confirm(token=first, client=CLIENT, now=now + timedelta(minutes=3)).status is LinkStatus.REPLACED
    assert journey.refresh().state == AccountState.EMAIL_PENDING
    assert email_confirm(token=second, client=CLIENT, now=now + timedelta(minutes=3)).status is LinkStatus.CONFIRMED


def test_a_replaced_link_offers_a_new_one_to_the_current_address_R_EM5(code_sent, now):
    journey = factories.with_link_sent(code_sent, now)
    first = last_link_token("camille@example.fr")
    link_resend(account_id=journey.account.pk, client=CLIENT, now=now + timedelta(minutes=2))
    link_resend_from_link(token=first, client=CLIENT, now=now + timedelta(minutes=4))
    latest = last_link_token("camille@example.fr")
    assert EmailLink.objects.count() == 3
    assert link_status(token=latest, now=now + timedelta(minutes=5)).status is LinkStatus.VALID


@pytest.mark.parametrize(
    ("age", "status"),
    [
        (7 * DAY - SECOND, LinkStatus.VALID),
        (7 * DAY + SECOND, LinkStatus.EXPIRED),
        (21 * DAY - SECOND, LinkStatus.EXPIRED),
        (21 * DAY + SECOND, LinkStatus.FORGOTTEN),
    ],
)
def test_a_link_works_7_days_then_offers_resending_until_21_days_R_EM6_R_EM7(code_sent, now, age, status):
    factories.with_link_sent(code_sent, now)
    token = last_link_token("camille@example.fr")
    assert link_status(token=token, now=now + age).status is status
    confirmed = email_confirm(token=token, client=CLIENT, now=now + age).status
    assert (confirmed is LinkStatus.CONFIRMED) is (status is LinkStatus.VALID)


def test_between_7_and_21_days_the_link_can_go_to_the_same_or_a_different_address_R_EM6(code_sent, now):
    journey = factories.with_link_sent(code_sent, now)
    later = now + 8 * DAY
    assert link_resend(account_id=journey.account.pk, client=CLIENT, now=later) == "c•••••e@example.fr"
    assert link_status(token=last_link_token("camille@example.fr"), now=later).status is LinkStatus.VALID
    email_replace(
        account_id=journey.account.pk, address="autre@example.fr", client=CLIENT, now=later + timedelta(minutes=2)
    )
    assert link_status(token=last_link_token("autre@example.fr"), now=later).status is LinkStatus.VALID
    assert not EmailAddress.objects.filter(canonical="camille@example.fr").exists()


@pytest.mark.parametrize(("age", "forgotten"), [(21 * DAY - SECOND, False), (21 * DAY + SECOND, True)])
def test_the_unconfirmed_address_is_erased_21_days_after_the_last_link_R_EM7(code_sent, now, age, forgotten):
    journey = factories.with_link_sent(code_sent, now)
    assert pending_emails_forget(now=now + age) == int(forgotten)
    assert EmailAddress.objects.exists() is not forgotten
    assert EmailLink.objects.exists() is not forgotten
    assert journey.refresh().state == (AccountState.CONTACT_PENDING if forgotten else AccountState.EMAIL_PENDING)


def test_the_21_days_count_from_the_last_link_sent_R_EM7(code_sent, now):
    journey = factories.with_link_sent(code_sent, now)
    link_resend(account_id=journey.account.pk, client=CLIENT, now=now + 10 * DAY)
    assert pending_emails_forget(now=now + 22 * DAY) == 0
    assert pending_emails_forget(now=now + 31 * DAY + SECOND) == 1


def pending_account(index: int, *, link_sent_at: datetime) -> Account:
    """An account waiting for the confirmation of its address, with one link sent at `link_sent_at`."""
    person = Beneficiary.objects.create(
        nir=f"18505750560{index:02d}", last_name="M", first_name="V", birth_date=date(1985, 5, 12), postal_code="75011"
    )
    account = Account.objects.create(
        beneficiary=person, state=AccountState.EMAIL_PENDING, created_at=link_sent_at, code_email="x@example.fr"
    )
    address = f"p{index}@example.fr"
    email = EmailAddress.objects.create(account=account, address=address, canonical=address, created_at=link_sent_at)
    EmailLink.objects.create(
        account=account, email=email, canonical=address, digest=f"{index:064d}", sent_at=link_sent_at
    )
    return account


def test_the_21_day_job_works_in_batches_and_forgets_every_overdue_address_R_EM7(now, db):
    overdue = [pending_account(index, link_sent_at=now) for index in range(7)]
    recent = pending_account(7, link_sent_at=now + 10 * DAY)
    assert pending_emails_forget(now=now + 22 * DAY, batch_size=2) == 7
    assert list(EmailAddress.objects.values_list("account_id", flat=True)) == [recent.pk]
    assert list(EmailLink.objects.values_list("account_id", flat=True)) == [recent.pk]
    assert {account.state for account in Account.objects.filter(pk__in=[a.pk for a in overdue])} == {
        AccountState.CONTACT_PENDING
    }


def test_the_erasure_command_runs_the_same_rule_R_EM7(code_sent, now, traveller):
    factories.with_link_sent(code_sent, now)
    traveller.shift(22 * DAY)
    call_command("forget_unconfirmed_emails")
    assert not EmailAddress.objects.exists()


def test_after_21_days_a_new_address_gets_a_new_link_R_EM7(code_sent, now):
    journey = factories.with_link_sent(code_sent, now)
    later = now + 22 * DAY
    email_replace(account_id=journey.account.pk, address="camille@example.fr", client=CLIENT, now=later)
    token = last_link_token("camille@example.fr")
    assert email_confirm(token=token, client=CLIENT, now=later).status is LinkStatus.CONFIRMED


@pytest.mark.parametrize(("gap", "allowed"), [(timedelta(seconds=59), False), (timedelta(seconds=61), True)])
def test_resending_waits_a_minute_R_EM9(code_sent, now, gap, allowed):
    journey = factories.with_link_sent(code_sent, now)
    if allowed:
        link_resend(account_id=journey.account.pk, client=CLIENT, now=now + gap)
    else:
        with pytest.raises(LinkResendLimited, match="1 minute"):
            link_resend(account_id=journey.account.pk, client=CLIENT, now=now + gap)


def test_at_most_5_links_a_day_R_EM9(code_sent, now):
    journey = factories.with_link_sent(code_sent, now)  # link 1
    for minute in (2, 4, 6, 8):  # links 2..5
        link_resend(account_id=journey.account.pk, client=CLIENT, now=now + timedelta(minutes=minute))
    with pytest.raises(LinkResendLimited, match="plusieurs liens aujourd'hui"):
        link_resend(account_id=journey.account.pk, client=CLIENT, now=now + timedelta(minutes=10))
    link_resend(account_id=journey.account.pk, client=CLIENT, now=now + DAY + SECOND)


@pytest.mark.django_db(transaction=True)
def test_two_accounts_submitting_the_same_address_at_once_one_wins_R_CT2(beneficiary, now):
    from moncompte.enrollment.code_send import code_send
    from moncompte.registry import nir as nir_rules
    from moncompte.registry.models import Beneficiary
    from tests.helpers import SentCode, clear_code_of, solved_captcha

    other = Beneficiary.objects.create(
        nir="1850575056048", last_name="MARTIN", first_name="Vincent", birth_date="1985-05-12", postal_code="75011"
    )
    journeys = []
    for person in (beneficiary, other):
        nir = nir_rules.parse(person.nir)
        sent = code_send(
            nir=nir,
            birth_date=person.birth_date,
            postal_code=person.postal_code,
            email=f"{person.nir}@x.fr",
            captcha=solved_captcha(now),
            client=CLIENT,
            now=now,
        )
        clear = clear_code_of(OutboundEmail.objects.latest("id").body_text)
        journeys.append(factories.with_personal_code(SentCode(nir, clear, sent, now), now))

    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def submit(account_id: int) -> None:
        try:
            barrier.wait()
            contact_submit(account_id=account_id, details=details("famille@example.fr"), client=CLIENT, now=now)
            outcomes.append("won")
        except EmailTaken as taken:
            outcomes.append(taken.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(j.account.pk,)) for j in journeys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes)[1] == "won"
    assert "déjà utilisée par un autre compte" in sorted(outcomes)[0]
    states = sorted(j.refresh().state for j in journeys)
    assert states == ["contact_pending", "email_pending"]


def test_answers_that_an_address_is_taken_are_limited_per_day(code_sent, now, settings):
    from moncompte.accounts.models import Account
    from moncompte.core.errors import TooManyAttempts
    from moncompte.registry.models import Beneficiary

    settings.MONCOMPTE = replace(settings.MONCOMPTE, email_taken_per_day=2)
    other = Beneficiary.objects.create(
        nir="1850575056048", last_name="M", first_name="V", birth_date="1985-05-12", postal_code="75011"
    )
    owner = Account.objects.create(beneficiary=other, created_at=now, code_email="v@x.fr")
    EmailAddress.objects.create(account=owner, address="pris@example.fr", canonical="pris@example.fr", created_at=now)
    journey = factories.with_personal_code(code_sent, now)
    for _ in range(2):
        with pytest.raises(EmailTaken):
            contact_submit(account_id=journey.account.pk, details=details("pris@example.fr"), client=CLIENT, now=now)
    with pytest.raises(TooManyAttempts):
        contact_submit(account_id=journey.account.pk, details=details("libre@example.fr"), client=CLIENT, now=now)
