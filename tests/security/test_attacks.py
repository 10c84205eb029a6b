"""Issue 8, attacks that worked on the landed code; each test is named after the attack it stops."""

from datetime import timedelta

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from moncompte.audit.models import AuditEvent
from moncompte.selfservice.account_manage import email_change_request
from moncompte.selfservice.errors import SignInBlocked, WrongCurrentPassword
from tests import factories
from tests.factories import CLIENT, PERSONAL_CODE
from tests.helpers import NOW

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("traveller")]
NIR = "2840588321025"
NEW_CODE = "Nouveau-Code-2027"


def signed_in(code=PERSONAL_CODE) -> HttpClient:
    browser = HttpClient()
    assert browser.post(reverse("web:sign_in"), {"nir": NIR, "code": code})["Location"] == reverse("web:account")
    return browser


def change_email(account, code):
    email_change_request(account_id=account.pk, address="x@example.fr", current_password=code, client=CLIENT, now=NOW)


def test_guessing_the_current_code_on_the_account_page_is_throttled_and_audited_R_LIM5(code_sent, now):
    account = factories.active(code_sent, now).account
    for _ in range(4):
        with pytest.raises(WrongCurrentPassword):
            change_email(account, "Wrong-1")
    with pytest.raises(SignInBlocked):  # the fifth wrong code: suspended, as at sign-in (R-PW9)
        change_email(account, "Wrong-1")
    with pytest.raises(SignInBlocked) as blocked:  # even the right code waits
        change_email(account, PERSONAL_CODE)
    assert blocked.value.field == "current_password"
    events = list(AuditEvent.objects.filter(event__startswith="current_code").values_list("event", flat=True))
    assert events.count("current_code_failure") == 5
    assert "current_code_blocked" in events
    assert "current_code_refused_blocked" in events


def test_changing_the_code_ends_every_other_session_and_renews_this_one_R_LIM5(code_sent, now):
    factories.active(code_sent, now)
    other, here = signed_in(), signed_in()
    old_key = here.session.session_key
    response = here.post(
        reverse("web:password_change"),
        {"current_password": PERSONAL_CODE, "password": NEW_CODE, "confirmation": NEW_CODE},
    )
    assert response["Location"] == reverse("web:account")
    assert here.session.session_key != old_key
    assert here.get(reverse("web:account")).status_code == 200
    assert other.get(reverse("web:account"))["Location"] == reverse("web:sign_in")
    assert other.get(reverse("web:account"))["Location"] == reverse("web:sign_in")  # and stays out


def test_a_code_reset_by_code_oublie_ends_the_sessions_opened_before_R_LIM5(code_sent, now, traveller):
    journey = factories.active(code_sent, now)
    before = signed_in()
    from moncompte.enrollment.password_choose import password_store

    password_store(account=journey.refresh(), password=NEW_CODE, client=CLIENT, now=now, event="password_reset")
    assert before.get(reverse("web:account"))["Location"] == reverse("web:sign_in")
    traveller.shift(timedelta(minutes=1))
    assert signed_in(NEW_CODE).get(reverse("web:account")).status_code == 200
