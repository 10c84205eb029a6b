"""R-EM10: an app that opens the confirmation link itself confirms the address through the API, with the web's
use case and rules (R-EM4..7): valid, confirmed twice, expired, replaced, forgotten, garbage."""

from datetime import timedelta

import pytest
from django.test import Client as HttpClient

from moncompte.accounts.models import EmailAddress
from moncompte.accounts.states import AccountState
from moncompte.audit.models import AuditEvent
from moncompte.enrollment.email_links import link_resend
from tests import factories
from tests.api.documented import assert_documented
from tests.factories import CLIENT

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("traveller")]
ADDRESS = "camille@example.fr"


@pytest.fixture
def link_sent(code_sent, now) -> factories.Journey:
    return factories.with_link_sent(code_sent, now, ADDRESS)


def confirm(token: str | None):
    """POST /email/confirm with this token (none: an empty body), as the app sends it: no bearer token."""
    answer = HttpClient().post(
        "/api/v1/email/confirm", {} if token is None else {"token": token}, content_type="application/json"
    )
    assert_documented("post", "/api/v1/email/confirm", answer)  # R-API3: every answer met is in the document
    return answer.status_code, answer.json(), answer


def test_the_link_s_token_confirms_the_address_and_opens_the_account_without_any_token_R_EM10(link_sent):
    status, body, _ = confirm(factories.last_link_token(ADDRESS))
    assert status == 200, body
    assert (body["status"], body["address_changed"], body["email_masked"]) == ("confirmed", False, "c•••••e@example.fr")
    assert "votre compte est prêt" in body["message"]
    assert link_sent.refresh().state == AccountState.ACTIVE
    assert EmailAddress.objects.get(account=link_sent.account).confirmed_at is not None
    confirmed = AuditEvent.objects.get(event="email_confirmed", account_id=link_sent.account.pk)
    assert confirmed.client_address == "127.0.0.1"  # the app that confirmed, as the web page's button would say


def test_confirming_twice_says_already_confirmed_not_an_error_R_EM10_R_EM4(link_sent):
    token = factories.last_link_token(ADDRESS)
    confirm(token)
    status, body, _ = confirm(token)
    assert (status, body["status"]) == (200, "already_confirmed")


def test_an_expired_link_is_refused_with_the_page_s_words_and_confirms_nothing_R_EM10_R_EM6(link_sent, traveller):
    traveller.shift(timedelta(days=7, minutes=1))
    status, problem, _ = confirm(factories.last_link_token(ADDRESS))
    assert (status, problem["code"], problem["field"]) == (400, "link_expired", "token")
    assert "valable 7 jours" in problem["detail"]
    assert link_sent.refresh().state == AccountState.EMAIL_PENDING


def test_a_replaced_link_is_refused_only_the_latest_works_R_EM10_R_EM5(link_sent, now, traveller):
    first = factories.last_link_token(ADDRESS)
    traveller.shift(timedelta(minutes=2))  # past the minute between two links (R-EM9)
    link_resend(account_id=link_sent.account.pk, client=CLIENT, now=now + timedelta(minutes=2))
    status, problem, _ = confirm(first)
    assert (status, problem["code"]) == (400, "link_replaced")
    assert link_sent.refresh().state == AccountState.EMAIL_PENDING
    assert confirm(factories.last_link_token(ADDRESS))[1]["status"] == "confirmed"


def test_a_forgotten_link_says_to_sign_in_and_give_an_address_R_EM10_R_EM7(link_sent, traveller):
    traveller.shift(timedelta(days=21, minutes=1))
    status, problem, _ = confirm(factories.last_link_token(ADDRESS))
    assert (status, problem["code"]) == (400, "link_forgotten")
    assert "n'est plus mémorisée" in problem["detail"]


@pytest.mark.parametrize("garbage", ["x", "a" * 51, "../../account", "é" * 200])
def test_a_cut_or_made_up_link_is_unknown_and_reads_no_account_R_EM10_R_EM3(link_sent, garbage):
    status, problem, _ = confirm(garbage)
    assert (status, problem["code"], problem["field"]) == (404, "link_unknown", "token")
    assert link_sent.refresh().state == AccountState.EMAIL_PENDING


def test_a_cut_link_is_unknown_too_R_EM10_R_EM3(link_sent):
    status, problem, _ = confirm(factories.last_link_token(ADDRESS)[:-1])
    assert (status, problem["code"]) == (404, "link_unknown")


def test_an_empty_or_missing_token_is_an_invalid_input_R_EM10_R_API4():
    assert confirm("")[1]["code"] == "invalid_input"
    assert confirm(None)[1]["field"] == "token"
