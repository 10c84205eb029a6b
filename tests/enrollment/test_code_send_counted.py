"""What a code sent at the identity step counts, and for whom (R-LIM8, R-BOT1): the caps of its own NIR from this
client, and, once it passed them, one identity of its network (the velocity signals, and in attack mode the
network's one success an hour); a request past a cap is refused before its network counts it."""

from datetime import timedelta

import pytest

from moncompte.core import throttle
from moncompte.core.client import network_of
from moncompte.defence.network_limit import identity_per_network
from moncompte.enrollment.errors import CodeSendsLimited
from tests.enrollment.test_code_send import attempt

pytestmark = pytest.mark.django_db


def test_a_code_past_its_nir_s_cap_is_not_counted_as_an_identity_of_its_network_R_LIM8_R_BOT1(
    beneficiary, now, client_info
):
    for minute in range(3):
        attempt(beneficiary, now + timedelta(minutes=minute), client=client_info)
    later = now + timedelta(minutes=5)
    with pytest.raises(CodeSendsLimited):
        attempt(beneficiary, later, client=client_info)
    assert throttle.count(identity_per_network(), key=network_of(client_info.address), now=later) == 3


def test_a_client_that_used_up_the_codes_of_one_nir_still_sends_one_for_another_nir_R_LIM8(
    beneficiary, now, client_info
):
    from moncompte.registry.models import Beneficiary

    for minute in range(3):
        attempt(beneficiary, now + timedelta(minutes=minute), client=client_info)
    sibling = Beneficiary.objects.create(
        nir="1750675111042", last_name="DURAND", first_name="Dominique", birth_date=now.date(), postal_code="88100"
    )
    attempt(sibling, now + timedelta(minutes=5), client=client_info)  # the same mailbox, counted for its NIR
