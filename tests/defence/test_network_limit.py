"""R-BOT1: in attack mode the identity step passes once an hour per network; the journey's use cases count
the velocity signals (identity step passed, account created)."""

from datetime import date, timedelta

import pytest

from moncompte.audit.models import AuditEvent
from moncompte.core import clock
from moncompte.core.client import Client
from moncompte.core.errors import TooManyAttempts
from moncompte.defence.keys import ACCOUNT, IDENTITY
from moncompte.defence.mode import SUPERVISOR, attack_mode_switch
from moncompte.defence.models import VelocityBucket
from moncompte.enrollment.code_send import code_send
from moncompte.enrollment.errors import IdentityNotMatched
from moncompte.registry import nir as nir_rules
from moncompte.registry.models import Beneficiary
from tests.factories import with_personal_code
from tests.helpers import SentCode, clear_code_of, solved_captcha

pytestmark = pytest.mark.django_db

BIRTH = date(1984, 5, 3)


def person(n: int) -> Beneficiary:
    return Beneficiary.objects.create(
        nir=f"28405883210{n:02d}", last_name="DURAND", first_name="Camille", birth_date=BIRTH, postal_code="88100"
    )


def identity_step(beneficiary: Beneficiary, *, address: str, birth: date = BIRTH):
    now = clock.now()
    return code_send(
        nir=nir_rules.parse(beneficiary.nir),
        birth_date=birth,
        postal_code=beneficiary.postal_code,
        email=f"{beneficiary.nir}@example.fr",
        captcha=solved_captcha(now),
        client=Client(address, "pytest"),
        now=now,
    )


def attack_mode_on() -> None:
    attack_mode_switch(active=True, now=clock.now(), source=SUPERVISOR, reason="essai", staff_username="sup")


def test_r_bot1_in_attack_mode_a_network_passes_the_identity_step_once_an_hour(traveller):
    attack_mode_on()
    identity_step(person(1), address="198.51.100.7")
    second = person(2)
    with pytest.raises(TooManyAttempts) as refused:
        identity_step(second, address="198.51.100.8")  # another address of the same /24
    assert refused.value.retry_after == timedelta(hours=1)
    identity_step(person(3), address="192.0.2.1")  # another network
    traveller.shift(timedelta(hours=1, seconds=1))
    identity_step(second, address="198.51.100.8")


def test_r_bot1_the_refusal_comes_before_the_identity_is_checked_and_tells_nothing_of_it(traveller):
    attack_mode_on()
    identity_step(person(1), address="198.51.100.7")
    with pytest.raises(TooManyAttempts):
        identity_step(person(2), address="198.51.100.9", birth=date(1984, 5, 4))  # a wrong identity: same answer
    refusal = AuditEvent.objects.filter(event="identity_throttled").get()
    assert refusal.details == {"reason": "attack_mode_network"}


def test_r_bot1_successes_before_attack_mode_count_once_it_starts(traveller):
    identity_step(person(1), address="198.51.100.7")
    identity_step(person(2), address="198.51.100.8")  # normal mode: no such limit
    attack_mode_on()
    with pytest.raises(TooManyAttempts):
        identity_step(person(3), address="198.51.100.9")


def test_r_bot1_out_of_attack_mode_wrong_identities_are_limited_as_before(traveller):
    with pytest.raises(IdentityNotMatched):
        identity_step(person(1), address="198.51.100.7", birth=date(1984, 5, 4))


def test_r_bot1_the_identity_step_counts_its_successes_by_network_domain_and_departement(traveller):
    identity_step(person(1), address="198.51.100.7")
    counted = dict(VelocityBucket.objects.filter(signal=IDENTITY).values_list("scope", "key"))
    assert counted == {"global": "", "network": "198.51.100.0/24", "domain": "example.fr", "departement": "88"}
    assert not VelocityBucket.objects.filter(signal=ACCOUNT).exists()


def test_r_bot1_an_account_is_counted_as_created_when_its_first_personal_code_is_chosen(traveller):
    from moncompte.outbox.models import OutboundEmail

    beneficiary = person(1)
    sent = identity_step(beneficiary, address="198.51.100.7")
    clear = clear_code_of(OutboundEmail.objects.latest("id").body_text)
    with_personal_code(
        SentCode(nir=nir_rules.parse(beneficiary.nir), clear=clear, sent=sent, at=clock.now()), clock.now()
    )
    created = VelocityBucket.objects.filter(signal=ACCOUNT)
    assert dict(created.values_list("scope", "count")) == {"global": 1, "network": 1, "domain": 1, "departement": 1}
    assert created.get(scope="network").key == "203.0.113.0/24"  # where the code was chosen from
