"""The right provisional code typed on a device of trust of the account (R-LIM8) is a success of that device: its
own count of failures starts again (R-PW9), as with the personal code, not the count of its address."""

import pytest

from moncompte.accounts.models import Account
from moncompte.outbox.models import OutboundEmail
from moncompte.selfservice.code_forgot import code_forgot
from moncompte.selfservice.errors import SignInRejected
from moncompte.selfservice.sign_in import sign_in
from tests import factories
from tests.factories import CLIENT, PERSONAL_CODE
from tests.helpers import clear_code_of, solved_captcha

pytestmark = pytest.mark.django_db


def test_the_right_provisional_code_on_a_device_starts_the_device_s_count_again_R_LIM8_R_PW9_R_CODE4(code_sent, now):
    factories.active(code_sent, now)
    device = sign_in(nir=code_sent.nir, secret=PERSONAL_CODE, client=CLIENT, now=now).device
    assert device is not None
    for _ in range(4):  # one short of the free failures, counted on the device
        with pytest.raises(SignInRejected):
            sign_in(nir=code_sent.nir, secret="Mauvais-Code-1", client=CLIENT, device=device, now=now)
    birth = Account.objects.get().beneficiary.birth_date
    code_forgot(nir=code_sent.nir, birth_date=birth, captcha=solved_captcha(now), client=CLIENT, device=device, now=now)
    code = clear_code_of(OutboundEmail.objects.filter(template="provisional_code").latest("id").body_text)
    signed = sign_in(nir=code_sent.nir, secret=code, client=CLIENT, device=device, now=now)
    assert signed.restricted_until is not None
    for _ in range(4):
        with pytest.raises(SignInRejected):  # not SignInBlocked: the device's failures were forgotten
            sign_in(nir=code_sent.nir, secret="Mauvais-Code-1", client=CLIENT, device=device, now=now)
