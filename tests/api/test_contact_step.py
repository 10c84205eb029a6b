"""R-API1: the contact details step answers only an account at that step. Past it (the link sent, the account
active), a valid request is refused by the step check itself: 403 `account_not_active`, nothing written."""

import pytest

from moncompte.accounts.models import EmailLink
from moncompte.outbox.models import OutboundEmail
from tests import factories
from tests.api.test_sessions import call
from tests.factories import PERSONAL_CODE

pytestmark = [pytest.mark.django_db]
NIR = "2 84 05 88 321 025 32"


@pytest.mark.parametrize("past", [factories.with_link_sent, factories.active])
def test_the_contact_step_is_refused_with_403_once_the_account_is_past_it_R_API1(code_sent, now, traveller, past):
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
    assert (status, problem["code"], problem["status"], problem["field"]) == (403, "account_not_active", 403, None)
    assert problem["detail"] == "Cette étape n'est pas celle où en est votre compte."
    assert (OutboundEmail.objects.count(), EmailLink.objects.count()) == (emails, links)
    assert journey.refresh().state == state
