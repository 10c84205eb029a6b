import contextlib
from dataclasses import replace
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from moncompte.audit.models import AuditEvent
from moncompte.captcha.errors import CaptchaWrong
from moncompte.core import tokens
from moncompte.core.client import Client
from moncompte.core.errors import TooManyAttempts
from moncompte.outbox.models import OutboundEmail
from moncompte.registry import nir as nir_rules
from moncompte.selfservice.code_forgot import code_forgot
from tests import factories
from tests.factories import CLIENT
from tests.helpers import solved_captcha

pytestmark = pytest.mark.django_db
NIR = nir_rules.parse("2840588321025")
BIRTH = date(1984, 5, 3)


def forgot(now, *, nir=NIR, birth=BIRTH, answer=None):
    return code_forgot(
        nir=nir,
        birth_date=birth,
        captcha=solved_captcha(now, answer=answer),
        client=CLIENT,
        now=now,
    )


def provisional_emails():
    return OutboundEmail.objects.filter(template="provisional_code")


def test_a_new_code_goes_to_the_confirmed_address_R_CODE5(code_sent, now):
    factories.active(code_sent, now, email="confirmee@example.fr")
    before = provisional_emails().count()
    assert forgot(now) is None
    assert provisional_emails().count() == before + 1
    assert provisional_emails().latest("id").to_address == "confirmee@example.fr"


@pytest.mark.parametrize(
    ("nir", "birth"), [(nir_rules.parse("1850575056048"), date(1985, 5, 12)), (NIR, date(1984, 5, 4))]
)
def test_the_same_answer_whether_or_not_an_account_matches_R_CODE5(code_sent, now, nir, birth):
    factories.active(code_sent, now)
    before = provisional_emails().count()
    assert forgot(now, nir=nir, birth=birth) is None
    assert provisional_emails().count() == before
    assert AuditEvent.objects.filter(event="code_forgot_no_match").count() == 1


def test_at_most_3_codes_an_hour_per_nir_and_the_same_answer_past_them_R_CODE5_R_LIM4(code_sent, now):
    factories.active(code_sent, now)  # the first code of the hour, sent by the identity step
    for minute in range(5):
        assert forgot(now + timedelta(minutes=minute)) is None  # no message tells that the quota is reached
    assert provisional_emails().count() == 3
    assert AuditEvent.objects.filter(event="code_forgot_quota").count() == 3
    forgot(now + timedelta(hours=1, minutes=5))
    assert provisional_emails().count() == 4


def test_wrong_birth_dates_slow_the_client_not_the_person_R_LIM2(code_sent, now):
    factories.active(code_sent, now)
    for n in range(20):  # an attacker's wrong birth dates, until its address is refused
        attacker = Client(f"198.51.100.{n % 2}", "script")
        with contextlib.suppress(TooManyAttempts):
            code_forgot(nir=NIR, birth_date=date(1984, 5, 4), captcha=solved_captcha(now), client=attacker, now=now)
    before = provisional_emails().count()
    forgot(now)  # the person, from their own address
    assert provisional_emails().count() == before + 1


def test_the_captcha_protects_code_oublie_R_CAP1(db, now):
    with pytest.raises(CaptchaWrong):
        forgot(now, answer="ZZZZZZ")


def audit_row(event: str) -> tuple[object, ...]:
    row = AuditEvent.objects.filter(event=event).latest("id")
    return row.nir_pseudonym, row.account_id, row.client_address, row.details


def test_a_code_sent_and_a_code_past_the_quota_are_audited_with_the_person_and_the_client_R_SEC3(code_sent, now):
    journey = factories.active(code_sent, now)
    person = (tokens.pseudonym(NIR.value), journey.account.pk, CLIENT.address)
    forgot(now)
    assert audit_row("code_forgot_sent") == (*person, {"email": "c•••••e@example.fr"})
    forgot(now)
    forgot(now)  # the identity step's code and these two: the hour's three
    assert audit_row("code_forgot_quota") == (*person, {})


def test_a_new_code_reads_the_person_with_the_locked_account(code_sent, now):
    factories.active(code_sent, now)
    with CaptureQueriesContext(connection) as queries:
        forgot(now)
    beneficiary_alone = [q for q in queries if q["sql"].startswith('SELECT "registry_beneficiary"')]
    assert beneficiary_alone == []


def test_someone_else_born_the_same_day_never_gets_the_code_R_CODE5(code_sent, now):
    factories.active(code_sent, now)
    before = provisional_emails().count()
    forgot(now, nir=nir_rules.parse("1850575056048"), birth=BIRTH)  # another NIR, the same birth date
    assert provisional_emails().count() == before
    assert audit_row("code_forgot_no_match") == (tokens.pseudonym("1850575056048"), None, CLIENT.address, {})


def test_a_wrong_captcha_is_audited_as_refused_at_code_oublie_R_CAP1(db, now):
    with pytest.raises(CaptchaWrong):
        forgot(now, answer="ZZZZZZ")
    assert AuditEvent.objects.get(event="captcha_refused").details["step"] == "code_forgot"


def test_a_client_past_its_limit_is_audited_with_the_nir_it_asked_for_R_LIM2(code_sent, now, settings):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, code_forgot_per_client=1)
    forgot(now)
    with pytest.raises(TooManyAttempts):
        forgot(now)
    assert audit_row("code_forgot_throttled") == (tokens.pseudonym(NIR.value), None, CLIENT.address, {})


def test_a_client_s_hour_of_requests_slides_R_LIM2(code_sent, now, settings):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, code_forgot_per_client=1)
    forgot(now)
    forgot(now + timedelta(minutes=61))
