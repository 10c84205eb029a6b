"""R-CT6: « Mon compte » changes or removes the phone numbers, each with its consents (R-CT5: the ledger)."""

import pytest

from moncompte.accounts import consents
from moncompte.accounts.models import Account, ConsentChannel, ConsentRecord
from moncompte.audit.models import AuditEvent
from moncompte.selfservice.phones import PhonesGiven, phones_change
from tests import factories
from tests.factories import CLIENT

pytestmark = pytest.mark.django_db
MOBILE, OTHER_MOBILE, LANDLINE = "+33650564278", "+33612345678", "+33145375945"
CALL, SMS, FIXED = ConsentChannel.MOBILE_CALL, ConsentChannel.MOBILE_SMS, ConsentChannel.LANDLINE_CALL


@pytest.fixture
def account(code_sent, now) -> Account:
    journey = factories.with_personal_code(code_sent, now)
    details = factories.details(mobile=MOBILE, yes=("mobile_sms",))
    from moncompte.enrollment.contact_submit import contact_submit

    contact_submit(account_id=journey.account.pk, details=details, client=CLIENT, now=now)
    return Account.objects.get(pk=journey.account.pk)


def change(account: Account, now, *, mobile="", landline="", yes=()) -> dict[str, bool]:
    answers = {channel: channel.value in yes for channel in (CALL, SMS, FIXED)}
    phones_change(account_id=account.pk, phones=PhonesGiven(mobile, landline, answers), client=CLIENT, now=now)
    account.refresh_from_db()
    return consents.current(account)


def records(account: Account) -> int:
    return ConsentRecord.objects.filter(account=account).count()


def test_a_new_landline_is_stored_with_its_answer_and_the_mobile_kept(account, now):
    before = records(account)
    current = change(account, now, mobile=MOBILE, landline=LANDLINE, yes=("mobile_sms", "landline_call"))
    assert (account.mobile, account.landline) == (MOBILE, LANDLINE)
    assert current["landline_call"] is True
    assert records(account) == before + 1  # the mobile's answers did not change: nothing recorded for them


def test_a_changed_mobile_records_its_answers_again_even_the_same_R_CT6(account, now):
    before = records(account)
    current = change(account, now, mobile=OTHER_MOBILE, yes=("mobile_sms",))
    assert account.mobile == OTHER_MOBILE
    assert (current["mobile_call"], current["mobile_sms"]) == (False, True)
    assert records(account) == before + 2  # a consent is to reach that number: both asked and recorded anew


def test_a_removed_mobile_takes_its_yes_with_it_R_CT6(account, now):
    current = change(account, now)
    assert account.mobile == ""
    assert current["mobile_sms"] is False  # withdrawn with the number, in the ledger
    latest = ConsentRecord.objects.filter(account=account, channel=SMS).latest("id")
    assert (latest.granted, latest.source) == (False, "compte")


def test_a_yes_sent_for_a_number_removed_is_not_taken_the_consent_goes_with_the_number_R_CT6(account, now):
    answers = {CALL: True, SMS: True, FIXED: True}  # answers left over from the form: no number to call any more
    phones_change(account_id=account.pk, phones=PhonesGiven("", "", answers), client=CLIENT, now=now)
    assert consents.current(account)["mobile_sms"] is False


def test_a_question_asked_but_not_answered_is_recorded_no_R_CT6(account, now):
    phones = PhonesGiven(OTHER_MOBILE, "", {SMS: True})  # nothing said about calls to the new number
    phones_change(account_id=account.pk, phones=phones, client=CLIENT, now=now)
    current = consents.current(account)
    assert (current["mobile_call"], current["mobile_sms"]) == (False, True)


def test_a_removed_number_with_no_yes_records_nothing(account, now):
    change(account, now, mobile=MOBILE, landline=LANDLINE, yes=("mobile_sms",))
    before = records(account)
    change(account, now, mobile=MOBILE, yes=("mobile_sms",))
    assert records(account) == before


def test_a_change_is_audited_without_the_numbers(account, now):
    change(account, now, mobile=OTHER_MOBILE, yes=("mobile_call",))
    event = AuditEvent.objects.filter(event="phones_changed").latest("id")
    assert (event.account_id, event.client_address) == (account.pk, CLIENT.address)
    assert (event.details["mobile_changed"], event.details["landline_changed"]) == (True, False)
    assert event.details["consents"] == {"mobile_call": True, "mobile_sms": False}
    assert OTHER_MOBILE not in str(event.details)
    assert MOBILE not in str(event.details)
