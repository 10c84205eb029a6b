"""R-LIM8: a device of trust of the account signs in past the hourly failures of its address (R-LIM2) that others
behind it used up; without the device, the same address is refused."""

from dataclasses import replace

import pytest

from moncompte.core.client import Client
from moncompte.registry import nir as nir_rules
from moncompte.selfservice.errors import SignInBlocked, SignInRejected
from moncompte.selfservice.sign_in import sign_in
from tests import factories
from tests.factories import CLIENT, PERSONAL_CODE

pytestmark = pytest.mark.django_db
LIMIT = 3


def test_a_device_of_trust_signs_in_past_its_address_s_hourly_failures_used_up_by_others_R_LIM8_R_LIM2(
    code_sent, now, settings
):
    factories.active(code_sent, now)
    device = sign_in(nir=code_sent.nir, secret=PERSONAL_CODE, client=CLIENT, now=now).device
    assert device is not None
    settings.MONCOMPTE = replace(settings.MONCOMPTE, sign_in_max_failures_per_client=LIMIT)
    behind_the_same_address = Client(CLIENT.address, "script")  # a shared NAT, trying other NIRs
    for n in range(LIMIT):
        with pytest.raises(SignInRejected):
            sign_in(nir=nir_rules.parse(f"1850575056{n:03d}"), secret="x", client=behind_the_same_address, now=now)
    with pytest.raises(SignInBlocked):  # the address has used up its hour
        sign_in(nir=code_sent.nir, secret=PERSONAL_CODE, client=CLIENT, now=now)
    signed = sign_in(nir=code_sent.nir, secret=PERSONAL_CODE, client=CLIENT, device=device, now=now)
    assert (signed.restricted_until, signed.device) == (None, device)
