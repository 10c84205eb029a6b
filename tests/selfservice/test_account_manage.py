import contextlib
from dataclasses import replace
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from moncompte.accounts import consents, passwords
from moncompte.accounts.emails import EmailTaken
from moncompte.accounts.models import Account, ConsentRecord, EmailAddress
from moncompte.accounts.states import AccountState
from moncompte.audit.models import AuditEvent
from moncompte.core import tokens
from moncompte.enrollment.email_links import LinkStatus, email_confirm
from moncompte.enrollment.errors import PasswordRefused
from moncompte.enrollment.password_choose import password_choose
from moncompte.outbox.models import OutboundEmail
from moncompte.registry import nir as nir_rules
from moncompte.registry.models import Beneficiary
from moncompte.selfservice.account_manage import consent_set, email_change_request, password_change, signed_out
from moncompte.selfservice.errors import ConsentNotOffered, EmailUnchanged, SignInBlocked, WrongCurrentPassword
from moncompte.selfservice.selectors import account_overview
from moncompte.selfservice.sign_in import sign_in
from tests import factories
from tests.factories import CLIENT, PERSONAL_CODE, last_link_token

pytestmark = pytest.mark.django_db


def test_choosing_the_personal_code_moves_to_contact_details(code_sent, now):
    journey = factories.with_personal_code(code_sent, now)
    assert journey.refresh().state == AccountState.CONTACT_PENDING
    assert journey.account.password_hash.startswith("$argon2id$")


def test_a_refused_personal_code_says_every_rule_it_breaks_R_PW6(code_sent, now):
    signed = sign_in(nir=code_sent.nir, secret=code_sent.clear, client=CLIENT, now=now)
    with pytest.raises(PasswordRefused) as refused:
        password_choose(account_id=signed.account_id, password="abc", confirmation="abd", client=CLIENT, now=now)
    assert {r.rule for r in refused.value.refusals} == {"R-PW1", "R-PW3", "R-PW6"}


def test_the_overview_shows_name_email_phones_and_consents(code_sent, now):
    journey = factories.with_personal_code(code_sent, now)
    from moncompte.enrollment.contact_submit import contact_submit

    contact_submit(
        account_id=journey.account.pk,
        details=factories.details(mobile="+33650564278", yes=("mobile_sms",)),
        client=CLIENT,
        now=now,
    )
    email_confirm(token=last_link_token("camille@example.fr"), client=CLIENT, now=now)
    overview = account_overview(account_id=journey.account.pk, now=now)
    assert (overview.first_name, overview.email, overview.mobile, overview.landline) == (
        "Camille",
        "camille@example.fr",
        "06 50 56 42 78",
        "",
    )
    assert {c.channel: c.granted for c in overview.consents} == {
        "email": False,
        "mobile_call": False,
        "mobile_sms": True,
    }


def test_withdrawing_a_consent_is_one_action_appended_to_the_ledger_R_CT5(code_sent, now):
    journey = factories.active(code_sent, now)
    consent_set(account_id=journey.account.pk, channel="email", granted=True, client=CLIENT, now=now)
    consent_set(account_id=journey.account.pk, channel="email", granted=False, client=CLIENT, now=now)
    assert consents.current(journey.account)["email"] is False
    assert list(
        ConsentRecord.objects.filter(channel="email").order_by("at", "id").values_list("granted", "source")
    ) == [
        (False, "inscription"),
        (True, "compte"),
        (False, "compte"),
    ]


def test_the_consent_ledger_refuses_changes_R_CT5(code_sent, now):
    factories.active(code_sent, now)
    record = ConsentRecord.objects.order_by("id")[0]
    record.granted = True
    with pytest.raises(ValueError, match="ne se modifie pas"):
        record.save()


def test_no_consent_about_a_number_not_given_R_CT4(code_sent, now):
    journey = factories.active(code_sent, now)
    with pytest.raises(ConsentNotOffered, match="n'est pas proposé"):
        consent_set(account_id=journey.account.pk, channel="mobile_sms", granted=True, client=CLIENT, now=now)


def test_changing_the_email_needs_the_personal_code(code_sent, now):
    journey = factories.active(code_sent, now)
    with pytest.raises(WrongCurrentPassword):
        email_change_request(
            account_id=journey.account.pk, address="new@example.fr", current_password="Wrong-1", client=CLIENT, now=now
        )
    with pytest.raises(EmailUnchanged):
        email_change_request(
            account_id=journey.account.pk,
            address="Camille@example.fr",
            current_password=PERSONAL_CODE,
            client=CLIENT,
            now=now,
        )


def test_a_new_email_is_confirmed_by_link_the_old_is_told_and_kept_until_then(code_sent, now):
    journey = factories.active(code_sent, now)
    email_change_request(
        account_id=journey.account.pk, address="new@example.fr", current_password=PERSONAL_CODE, client=CLIENT, now=now
    )
    notice = OutboundEmail.objects.get(template="email_change_notice")
    assert notice.to_address == "camille@example.fr"
    assert "n•w@example.fr" in notice.body_text
    assert account_overview(account_id=journey.account.pk, now=now).email == "camille@example.fr"
    assert email_confirm(token=last_link_token("new@example.fr"), client=CLIENT, now=now).status is LinkStatus.CONFIRMED
    assert list(EmailAddress.objects.values_list("canonical", flat=True)) == ["new@example.fr"]
    assert journey.refresh().state == AccountState.ACTIVE


def test_changing_the_personal_code_sends_a_notification(code_sent, now):
    journey = factories.active(code_sent, now)
    password_change(
        account_id=journey.account.pk,
        current_password=PERSONAL_CODE,
        password="Nouveau-Code-2027",
        confirmation="Nouveau-Code-2027",
        client=CLIENT,
        now=now,
    )
    notice = OutboundEmail.objects.get(template="password_changed")
    assert notice.subject == "Votre compte ameli - Modification de votre code personnel"
    assert sign_in(nir=nir_rules.parse("2840588321025"), secret="Nouveau-Code-2027", client=CLIENT, now=now)


def audit_row(event: str) -> tuple[object, ...]:
    row = AuditEvent.objects.get(event=event)
    return row.account_id, row.client_address, row.details


def test_a_landline_once_given_has_its_own_consent_R_CT4(code_sent, now):
    journey = factories.active(code_sent, now)
    Account.objects.filter(pk=journey.account.pk).update(landline="+33329000000")
    consent_set(account_id=journey.account.pk, channel="landline_call", granted=True, client=CLIENT, now=now)
    assert consents.current(journey.refresh())["landline_call"] is True


def test_a_consent_change_is_audited_with_the_account_the_client_the_channel_and_the_answer_R_SEC3(code_sent, now):
    journey = factories.active(code_sent, now)
    consent_set(account_id=journey.account.pk, channel="email", granted=True, client=CLIENT, now=now)
    assert audit_row("consent_changed") == (journey.account.pk, CLIENT.address, {"channel": "email", "granted": True})


def test_signing_out_is_audited_with_the_account_and_the_client_R_SEC3(code_sent, now):
    journey = factories.active(code_sent, now)
    signed_out(account_id=journey.account.pk, client=CLIENT, now=now)
    assert audit_row("sign_out") == (journey.account.pk, CLIENT.address, {})


def test_a_wrong_current_code_is_audited_under_the_person_s_nir_R_LIM5(code_sent, now):
    journey = factories.active(code_sent, now)
    with pytest.raises(WrongCurrentPassword):
        password_change(
            account_id=journey.account.pk,
            current_password="Wrong-Code-1",
            password="Nouveau-Code-2027",
            confirmation="Nouveau-Code-2027",
            client=CLIENT,
            now=now,
        )
    failure = AuditEvent.objects.get(event="current_code_failure")
    assert failure.nir_pseudonym == tokens.pseudonym("2840588321025")


def beneficiary_reads(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith('SELECT "registry_beneficiary"')]


def test_the_account_page_s_changes_read_the_person_with_the_account_not_in_a_query_of_its_own(code_sent, now):
    journey = factories.active(code_sent, now)
    with CaptureQueriesContext(connection) as queries:
        email_change_request(
            account_id=journey.account.pk,
            address="new@example.fr",
            current_password=PERSONAL_CODE,
            client=CLIENT,
            now=now,
        )
        password_change(
            account_id=journey.account.pk,
            current_password=PERSONAL_CODE,
            password="Nouveau-Code-2027",
            confirmation="Nouveau-Code-2027",
            client=CLIENT,
            now=now,
        )
    assert beneficiary_reads(queries) == []


def test_refused_addresses_are_counted_per_account_not_for_everyone(code_sent, now, settings):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, email_taken_per_day=2)
    other = Beneficiary.objects.create(
        nir="1850575056048", last_name="M", first_name="V", birth_date="1985-05-12", postal_code="75011"
    )
    owner = Account.objects.create(
        beneficiary=other,
        state=AccountState.ACTIVE,
        created_at=now,
        code_email="pris@example.fr",
        password_hash=passwords.hash_password(PERSONAL_CODE),
    )
    EmailAddress.objects.create(
        account=owner, address="pris@example.fr", canonical="pris@example.fr", created_at=now, confirmed_at=now
    )
    journey = factories.active(code_sent, now)
    for _ in range(2):
        with pytest.raises(EmailTaken):
            email_change_request(
                account_id=journey.account.pk,
                address="pris@example.fr",
                current_password=PERSONAL_CODE,
                client=CLIENT,
                now=now,
            )
    email_change_request(
        account_id=owner.pk, address="libre@example.fr", current_password=PERSONAL_CODE, client=CLIENT, now=now
    )


def test_an_address_given_before_any_is_confirmed_moves_the_account_on_at_that_time(code_sent, now):
    journey = factories.with_personal_code(code_sent, now)
    later = now + timedelta(minutes=3)
    email_change_request(
        account_id=journey.account.pk,
        address="new@example.fr",
        current_password=PERSONAL_CODE,
        client=CLIENT,
        now=later,
    )
    account = journey.refresh()
    assert (account.state, account.state_changed_at) == (AccountState.EMAIL_PENDING, later)


def test_a_change_of_address_is_audited_masked_and_the_old_address_s_notice_belongs_to_the_account(code_sent, now):
    journey = factories.active(code_sent, now)
    email_change_request(
        account_id=journey.account.pk, address="new@example.fr", current_password=PERSONAL_CODE, client=CLIENT, now=now
    )
    assert audit_row("email_change_requested") == (journey.account.pk, CLIENT.address, {"email": "n•w@example.fr"})
    assert OutboundEmail.objects.get(template="email_change_notice").account_id == journey.account.pk


def test_a_new_personal_code_must_match_its_confirmation_R_PW6(code_sent, now):
    journey = factories.active(code_sent, now)
    with pytest.raises(PasswordRefused) as refused:
        password_change(
            account_id=journey.account.pk,
            current_password=PERSONAL_CODE,
            password="Nouveau-Code-2027",
            confirmation="Nouveau-Code-2028",
            client=CLIENT,
            now=now,
        )
    assert {r.rule for r in refused.value.refusals} == {"R-PW6"}


def test_a_changed_personal_code_is_audited_as_changed_with_the_client_R_SEC3(code_sent, now):
    journey = factories.active(code_sent, now)
    password_change(
        account_id=journey.account.pk,
        current_password=PERSONAL_CODE,
        password="Nouveau-Code-2027",
        confirmation="Nouveau-Code-2027",
        client=CLIENT,
        now=now,
    )
    assert audit_row("password_changed") == (journey.account.pk, CLIENT.address, {})


def test_a_mobile_once_given_has_its_call_and_sms_consents_R_CT4(code_sent, now):
    journey = factories.active(code_sent, now)
    Account.objects.filter(pk=journey.account.pk).update(mobile="+33650564278")
    consent_set(account_id=journey.account.pk, channel="mobile_sms", granted=True, client=CLIENT, now=now)
    assert consents.current(journey.refresh())["mobile_sms"] is True


def test_a_suspended_current_code_is_said_next_to_the_current_code_field_R_LIM5(code_sent, now):
    journey = factories.active(code_sent, now)

    def change():
        password_change(
            account_id=journey.account.pk,
            current_password="Wrong-Code-1",
            password="Nouveau-Code-2027",
            confirmation="Nouveau-Code-2027",
            client=CLIENT,
            now=now,
        )

    for _ in range(4):
        with contextlib.suppress(WrongCurrentPassword):
            change()
    with pytest.raises(SignInBlocked) as blocked:  # the fifth failure starts the wait
        change()
    assert blocked.value.field == "current_password"
