from dataclasses import replace
from datetime import timedelta

import pytest

from moncompte.audit.models import AuditEvent
from moncompte.core.client import Client
from moncompte.outbox.models import OutboundEmail
from moncompte.registry import nir as nir_rules
from moncompte.selfservice.code_forgot import code_forgot
from moncompte.selfservice.errors import SignInBlocked, SignInRejected
from moncompte.selfservice.sign_in import sign_in
from tests import factories
from tests.factories import CLIENT, PERSONAL_CODE
from tests.helpers import clear_code_of, solved_captcha

pytestmark = pytest.mark.django_db
NIR = nir_rules.parse("2840588321025")


def wrong(now, times=1):
    for _ in range(times):
        with pytest.raises((SignInRejected, SignInBlocked)):
            sign_in(nir=NIR, secret="Wrong-Code-1", client=CLIENT, now=now)


def test_the_personal_code_opens_a_full_session(code_sent, now):
    factories.active(code_sent, now)
    signed = sign_in(nir=NIR, secret=PERSONAL_CODE, client=CLIENT, now=now)
    assert signed.restricted_until is None


def test_a_wrong_code_does_not_say_which_part_was_wrong(code_sent, now):
    factories.active(code_sent, now)
    with pytest.raises(SignInRejected, match="Le numéro de sécurité sociale ou le code saisi est incorrect"):
        sign_in(nir=NIR, secret="Wrong-Code-1", client=CLIENT, now=now)
    with pytest.raises(SignInRejected, match="Le numéro de sécurité sociale ou le code saisi est incorrect"):
        sign_in(nir=nir_rules.parse("1850575056048"), secret=PERSONAL_CODE, client=CLIENT, now=now)


def test_five_failures_suspend_signing_in_for_over_a_minute_R_PW9(code_sent, now):
    factories.active(code_sent, now)
    wrong(now, times=4)
    with pytest.raises(SignInBlocked, match="2 minutes") as blocked:
        sign_in(nir=NIR, secret="Wrong-Code-1", client=CLIENT, now=now)
    assert blocked.value.retry_after > timedelta(minutes=1)
    with pytest.raises(SignInBlocked):  # even the right code waits
        sign_in(nir=NIR, secret=PERSONAL_CODE, client=CLIENT, now=now + timedelta(minutes=1, seconds=59))
    assert sign_in(nir=NIR, secret=PERSONAL_CODE, client=CLIENT, now=now + timedelta(minutes=2, seconds=1))


def test_the_delay_doubles_with_each_further_failure_R_PW9(code_sent, now):
    factories.active(code_sent, now)
    wrong(now, times=5)
    later = now + timedelta(minutes=2, seconds=1)
    with pytest.raises(SignInBlocked) as blocked:
        sign_in(nir=NIR, secret="Wrong-Code-1", client=CLIENT, now=later)
    assert blocked.value.retry_after == timedelta(minutes=4)


def test_at_most_25_failures_a_day_R_PW9(code_sent, now, settings):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, sign_in_free_failures=100)
    factories.active(code_sent, now)
    wrong(now, times=25)
    with pytest.raises(SignInBlocked) as blocked:
        sign_in(nir=NIR, secret=PERSONAL_CODE, client=CLIENT, now=now + timedelta(hours=2))
    assert blocked.value.retry_after == timedelta(hours=22)


def test_a_success_resets_the_count_R_PW9(code_sent, now):
    factories.active(code_sent, now)
    wrong(now, times=4)
    sign_in(nir=NIR, secret=PERSONAL_CODE, client=CLIENT, now=now)
    wrong(now, times=4)
    assert sign_in(nir=NIR, secret=PERSONAL_CODE, client=CLIENT, now=now)


def forgot_code(now, journey, *, client=CLIENT):
    code_forgot(
        nir=NIR, birth_date=journey.account.beneficiary.birth_date, captcha=solved_captcha(now), client=client, now=now
    )
    email = OutboundEmail.objects.filter(template="provisional_code").latest("id")
    assert email.to_address == "camille@example.fr"
    return clear_code_of(email.body_text)


def test_code_oublie_still_sends_a_code_while_signing_in_is_suspended_and_it_works_after_the_wait_R_PW9_R_CODE5(
    code_sent, now
):
    journey = factories.active(code_sent, now)
    wrong(now, times=5)
    code = forgot_code(now, journey)
    signed = sign_in(nir=NIR, secret=code, client=CLIENT, now=now + timedelta(minutes=2, seconds=1))
    assert signed.restricted_until == now + timedelta(minutes=30)


def test_a_failing_client_waits_even_with_the_right_provisional_code_the_person_elsewhere_not_R_CODE2_R_PW9(
    code_sent, now
):
    journey = factories.active(code_sent, now)
    wrong(now, times=5)  # someone, from CLIENT, trying codes on the person's NIR
    person = Client("192.0.2.44", "the person's phone")
    code = forgot_code(now, journey, client=person)
    with pytest.raises(SignInBlocked, match="2 minutes"):
        sign_in(nir=NIR, secret=code, client=CLIENT, now=now + timedelta(seconds=30))
    assert AuditEvent.objects.filter(event="sign_in_refused_blocked").count() == 1
    assert AuditEvent.objects.filter(event="authn_code_success").count() == 1  # the journey's own, no other
    signed = sign_in(nir=NIR, secret=code, client=person, now=now + timedelta(seconds=30))
    assert signed.restricted_until == now + timedelta(minutes=30)


def test_the_right_provisional_code_starts_the_client_s_count_again_R_PW9(code_sent, now):
    journey = factories.active(code_sent, now)
    wrong(now, times=4)
    sign_in(nir=NIR, secret=forgot_code(now, journey), client=CLIENT, now=now)
    wrong(now, times=4)  # four more, still no wait: the success started the count again
    assert sign_in(nir=NIR, secret=PERSONAL_CODE, client=CLIENT, now=now).restricted_until is None


def test_failures_are_audited(code_sent, now):
    factories.active(code_sent, now)
    wrong(now, times=5)
    assert AuditEvent.objects.filter(event="sign_in_failure").count() == 5
    assert AuditEvent.objects.filter(event="sign_in_blocked").count() == 1
    assert AuditEvent.objects.filter(event="sign_in_success").count() == 0


def test_a_client_past_its_hourly_failures_is_refused_and_audited_with_the_nir_it_tried_R_LIM2(
    code_sent, now, settings
):
    from moncompte.core import tokens

    settings.MONCOMPTE = replace(settings.MONCOMPTE, sign_in_max_failures_per_client=2)
    factories.active(code_sent, now)
    wrong(now, times=2)
    with pytest.raises(SignInBlocked):
        sign_in(nir=NIR, secret=PERSONAL_CODE, client=CLIENT, now=now)
    throttled = AuditEvent.objects.get(event="sign_in_client_throttled")
    assert (throttled.at, throttled.nir_pseudonym, throttled.client_address) == (
        now,
        tokens.pseudonym(NIR.value),
        CLIENT.address,
    )


def test_a_client_s_hour_of_failures_slides_R_LIM2(code_sent, now, settings):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, sign_in_max_failures_per_client=2)
    factories.active(code_sent, now)
    wrong(now, times=2)
    with pytest.raises(SignInBlocked) as blocked:
        sign_in(nir=NIR, secret=PERSONAL_CODE, client=CLIENT, now=now)
    assert blocked.value.retry_after == timedelta(hours=1)
    assert sign_in(nir=NIR, secret=PERSONAL_CODE, client=CLIENT, now=now + timedelta(minutes=61))


def test_signing_in_is_audited_with_the_account_and_the_client_R_SEC3(code_sent, now):
    journey = factories.active(code_sent, now)
    sign_in(nir=NIR, secret=PERSONAL_CODE, client=CLIENT, now=now)
    success = AuditEvent.objects.get(event="sign_in_success")
    assert (success.account_id, success.client_address) == (journey.account.pk, CLIENT.address)


def test_the_provisional_code_signs_in_to_a_provisional_account_reading_the_person_with_it(code_sent, now):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from moncompte.accounts.states import AccountState

    with CaptureQueriesContext(connection) as queries:
        signed = sign_in(nir=NIR, secret=code_sent.clear, client=CLIENT, now=now)
    assert signed.state == AccountState.PROVISIONAL
    assert [q["sql"] for q in queries if q["sql"].startswith('SELECT "registry_beneficiary"')] == []


def test_an_unknown_nir_costs_an_argon2id_check_like_a_wrong_code_R_LIM4(db, now, monkeypatch):
    from moncompte.accounts import passwords

    spent: list[str] = []
    monkeypatch.setattr(passwords, "_spend", spent.append)
    with pytest.raises(SignInRejected):
        sign_in(nir=nir_rules.parse("1850575056048"), secret="Wrong-Code-1", client=CLIENT, now=now)
    assert spent == ["Wrong-Code-1"]


def test_failures_on_one_nir_never_suspend_another_from_the_same_client_R_LIM2(code_sent, now):
    factories.active(code_sent, now)
    wrong(now, times=5)
    with pytest.raises(SignInRejected):  # not SignInBlocked: this NIR has failed once
        sign_in(nir=nir_rules.parse("1850575056048"), secret="Wrong-Code-1", client=CLIENT, now=now)
