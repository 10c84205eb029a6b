import pytest

from moncompte.accounts import consents
from moncompte.accounts.models import ConsentRecord, EmailAddress
from moncompte.accounts.states import AccountState
from moncompte.enrollment.email_links import LinkStatus, email_confirm
from moncompte.enrollment.errors import PasswordRefused
from moncompte.enrollment.password_choose import password_choose
from moncompte.outbox.models import OutboundEmail
from moncompte.registry import nir as nir_rules
from moncompte.selfservice.account_manage import consent_set, email_change_request, password_change
from moncompte.selfservice.errors import ConsentNotOffered, EmailUnchanged, WrongCurrentPassword
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
