"""R-API1: the contact details step answers only an account at that step. Past it (the link sent, the account
active), a valid request is refused by the step check itself: 403 `wrong_step`, with the step the account is at,
nothing written."""

import pytest

from moncompte.accounts.models import EmailLink
from moncompte.outbox.models import OutboundEmail
from tests import factories
from tests.api.test_sessions import call
from tests.factories import PERSONAL_CODE

pytestmark = [pytest.mark.django_db]
NIR = "2 84 05 88 321 025 32"


@pytest.mark.parametrize(("past", "step"), [(factories.with_link_sent, "confirm_email"), (factories.active, "account")])
def test_the_contact_step_is_refused_with_403_once_the_account_is_past_it_R_API1(code_sent, now, traveller, past, step):
    journey = past(code_sent, now)
    _, pair, _ = call("post", "/sessions", nir=NIR, code=PERSONAL_CODE)
    state, emails, links = journey.account.state, OutboundEmail.objects.count(), EmailLink.objects.count()
    # Every field valid, so that nothing but the step check can refuse it.
    status, problem, _ = call(
        "post",
        "/enrollment/contact",
        pair["access_token"],
        email="c.durand@autre.example",
        email_confirmation="c.durand@autre.example",
        consent_email=True,
    )
    assert (status, problem["code"], problem["status"], problem["field"]) == (403, "wrong_step", 403, None)
    assert problem["next_step"] == step
    assert problem["detail"] == "Cette étape n'est pas celle où en est votre compte."
    assert (OutboundEmail.objects.count(), EmailLink.objects.count()) == (emails, links)
    assert journey.refresh().state == state


@pytest.mark.parametrize(("method", "path"), [("post", "/email/resend"), ("post", "/email/replace")])
def test_an_active_account_is_told_the_step_it_is_at_not_that_it_is_inactive_R_API1(
    code_sent, now, traveller, method, path
):
    factories.active(code_sent, now)
    _, pair, _ = call("post", "/sessions", nir=NIR, code=PERSONAL_CODE)
    body = {"email": "c.durand@autre.example", "email_confirmation": "c.durand@autre.example"}
    status, problem, _ = call(method, path, pair["access_token"], **body)
    assert (status, problem["code"], problem["next_step"]) == (403, "wrong_step", "account")


def test_the_account_before_its_email_is_confirmed_is_not_active_and_says_its_step_R_EM8(code_sent, now, traveller):
    factories.with_link_sent(code_sent, now)
    _, pair, _ = call("post", "/sessions", nir=NIR, code=PERSONAL_CODE)
    status, problem, _ = call("get", "/account", pair["access_token"])
    assert (status, problem["code"], problem["next_step"]) == (403, "account_not_active", "confirm_email")
    assert problem["detail"] == "Votre compte n'est pas encore actif : terminez sa création."
