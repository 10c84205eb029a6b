"""R-API3 (issue 23): the document's examples of the token answers are the answers the API gives — the same
members, null where the real answer is null and given where it is given (a developer reads from them which
members to expect)."""

from typing import Any

import pytest

from moncompte.api import examples
from moncompte.enrollment.email_links import email_confirm
from tests import factories
from tests.api.test_sessions import NIR, call
from tests.factories import CLIENT, PERSONAL_CODE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("traveller")]


def shape(answer: dict[str, Any]) -> dict[str, bool]:
    """Each member, and whether it is given (not null)."""
    return {name: value is not None for name, value in answer.items()}


def test_the_token_answers_examples_give_what_the_real_answers_give_R_API3(code_sent, now):
    status, restricted, _ = call("post", "/sessions", nir=NIR, code=code_sent.clear, device_name="Pixel de Camille")
    assert (status, shape(restricted)) == (200, shape(examples.RESTRICTED))
    choose = {"password": PERSONAL_CODE, "confirmation": PERSONAL_CODE}
    status, chosen, _ = call("post", "/personal-code", restricted["access_token"], **choose)
    assert (status, shape(chosen)) == (200, shape(examples.CONTACT_STEP))
    status, renewed, _ = call("post", "/sessions/refresh", refresh_token=chosen["refresh_token"])
    assert (status, shape(renewed)) == (200, shape({**examples.SIGNED_IN, "device_token": None}))
    contact = {"email": "camille@example.fr", "email_confirmation": "camille@example.fr", "consent_email": False}
    assert call("post", "/enrollment/contact", renewed["access_token"], **contact)[0] == 200
    email_confirm(token=factories.last_link_token("camille@example.fr"), client=CLIENT, now=now)
    status, signed, _ = call("post", "/sessions", nir=NIR, code=PERSONAL_CODE, device_token=chosen["device_token"])
    assert (status, shape(signed)) == (200, shape(examples.SIGNED_IN))
