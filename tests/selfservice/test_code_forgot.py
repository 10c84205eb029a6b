from datetime import date, timedelta

import pytest

from moncompte.audit.models import AuditEvent
from moncompte.captcha.errors import CaptchaWrong
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


def test_at_most_3_codes_an_hour_per_nir_whether_or_not_it_matches_R_CODE5(db, now):
    for minute in range(3):
        forgot(now + timedelta(minutes=minute))
    with pytest.raises(TooManyAttempts):
        forgot(now + timedelta(minutes=5))
    forgot(now + timedelta(hours=1, seconds=1))


def test_the_captcha_protects_code_oublie_R_CAP1(db, now):
    with pytest.raises(CaptchaWrong):
        forgot(now, answer="ZZZZZZ")
