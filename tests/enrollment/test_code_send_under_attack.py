"""R-LIM8 (issue 21, point 1) at the identity step: whoever knows a person's identity can neither keep the
person from a working code nor void the person's code, nor flood the person's mailbox."""

from dataclasses import replace
from datetime import timedelta

import pytest

from moncompte.core.client import Client
from moncompte.core.errors import TooManyAttempts
from moncompte.enrollment.code_send import code_send
from moncompte.outbox.models import OutboundEmail
from moncompte.registry import nir as nir_rules
from moncompte.selfservice.sign_in import sign_in
from tests.helpers import clear_code_of, solved_captcha

pytestmark = pytest.mark.django_db
PERSON = Client("192.0.2.10", "the person's browser")
MAILBOX = "camille@example.fr"


@pytest.fixture(autouse=True)
def _captcha_limits_out_of_the_way(settings):
    """The test draws every challenge from one place: the CAPTCHA's own limits are not under test here."""
    settings.MONCOMPTE = replace(settings.MONCOMPTE, captcha_new_per_client=10_000, captcha_new_per_session=10_000)


def identity(beneficiary, now, *, client, email):
    nir = nir_rules.parse(beneficiary.nir)
    args = {"birth_date": beneficiary.birth_date, "postal_code": beneficiary.postal_code, "email": email}
    return code_send(nir=nir, **args, captcha=solved_captcha(now), client=client, now=now)


def codes_to(address):
    emails = OutboundEmail.objects.filter(template="provisional_code", to_address=address).order_by("id")
    return [clear_code_of(email.body_text) for email in emails]


def attack(beneficiary, now, *, email=None):
    for n in range(40):
        address = email or f"robot{n}@example.net"
        identity(beneficiary, now, client=Client(f"198.51.{n + 1}.7", "script"), email=address)


def test_after_40_identity_steps_from_40_addresses_the_person_still_gets_a_code_that_works_R_LIM8(beneficiary, now):
    attack(beneficiary, now)
    later = now + timedelta(minutes=1)
    identity(beneficiary, later, client=PERSON, email=MAILBOX)
    signed = sign_in(nir=nir_rules.parse(beneficiary.nir), secret=codes_to(MAILBOX)[-1], client=PERSON, now=later)
    assert signed.restricted_until == later + timedelta(minutes=30)


def test_the_identity_steps_of_others_never_void_the_person_s_code_R_LIM8_R_CODE2(beneficiary, now):
    identity(beneficiary, now, client=PERSON, email=MAILBOX)
    attack(beneficiary, now + timedelta(minutes=1))
    later = now + timedelta(minutes=2)
    signed = sign_in(nir=nir_rules.parse(beneficiary.nir), secret=codes_to(MAILBOX)[0], client=PERSON, now=later)
    assert signed.restricted_until == now + timedelta(minutes=30)


def test_40_identity_steps_to_the_person_s_address_send_it_5_codes_in_30_minutes_all_working_R_LIM8(beneficiary, now):
    with pytest.raises(TooManyAttempts):
        attack(beneficiary, now, email=MAILBOX)
    with pytest.raises(TooManyAttempts, match="30 minutes"):
        identity(beneficiary, now, client=PERSON, email=MAILBOX)
    codes = codes_to(MAILBOX)
    assert len(codes) == 5
    later = now + timedelta(minutes=29)
    for n, code in enumerate(codes):  # each still works, once, from anywhere the person is
        phone = Client(f"192.0.2.{20 + n}", "the person's phone")
        assert sign_in(nir=nir_rules.parse(beneficiary.nir), secret=code, client=phone, now=later).restricted_until


@pytest.mark.django_db(transaction=True)
def test_parallel_identity_steps_to_one_address_send_it_no_more_than_5_codes_R_LIM8_R_LIM3(beneficiary, now):
    import threading

    from django.db import connection

    proofs = [solved_captcha(now) for _ in range(12)]
    barrier = threading.Barrier(12)
    nir = nir_rules.parse(beneficiary.nir)
    args = {"birth_date": beneficiary.birth_date, "postal_code": beneficiary.postal_code, "email": MAILBOX}

    def ask(n: int) -> None:
        try:
            barrier.wait(timeout=10)
            client = Client(f"198.51.{n + 1}.7", "script")
            code_send(nir=nir, **args, captcha=proofs[n], client=client, now=now)
        except TooManyAttempts:
            pass
        finally:
            connection.close()

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert 1 <= len(codes_to(MAILBOX)) <= 5


def test_spellings_of_one_mailbox_share_its_bound_R_LIM8(beneficiary, now):
    """camille+1@, Camille+2@, c.amille@gmail.com…: one mailbox for its provider, so one bound."""
    spellings = [f"camille+{n}@example.fr" for n in range(4)] + ["CAMILLE@example.fr", "camille+x@example.fr"]
    sent = 0
    for n, address in enumerate(spellings):
        try:
            identity(beneficiary, now, client=Client(f"198.51.{n + 1}.7", "script"), email=address)
            sent += 1
        except TooManyAttempts:
            pass
    assert sent == 5
    gmail = ["ca.mille@gmail.com", "camille@googlemail.com", "c.a.m.i.l.l.e+promo@gmail.com"]
    for n, address in enumerate(gmail):
        identity(beneficiary, now, client=Client(f"198.52.{n + 1}.7", "script"), email=address)
    assert OutboundEmail.objects.filter(template="provisional_code").count() == 5 + 3  # Gmail: its own mailbox
    for n in range(2):
        identity(beneficiary, now, client=Client(f"198.53.{n + 1}.7", "script"), email="camille@gmail.com")
    with pytest.raises(TooManyAttempts):
        identity(beneficiary, now, client=Client("198.53.9.7", "script"), email="camille@gmail.com")


def sent_of(beneficiary, now, addresses, *, networks):
    """How many of these identity steps, each from a client of its own (and network: attack mode stays off),
    sent a code."""
    sent = 0
    for n, address in enumerate(addresses):
        try:
            identity(beneficiary, now, client=Client(f"{networks}.{n + 1}.7", "script"), email=address)
            sent += 1
        except TooManyAttempts:
            pass
    return sent


@pytest.mark.parametrize(
    "spellings",
    [
        # A domain with accents, typed in Unicode (composed or not, any case, full width) or as the relay gets it.
        [
            "camille@exémple.fr",
            "camille@EXE\u0301MPLE.FR",
            "camille@xn--exmple-cva.fr",
            "camille+1@ｅｘéｍｐｌｅ.fr",
            "Camille+2@xn--exmple-cva.fr",
            "camille@exémple.fr",
        ],
        # One provider's domains (iCloud): one mailbox.
        ["camille@icloud.com", "camille@me.com", "camille@mac.com", "camille+1@me.com", "camille@mac.com"],
    ],
)
def test_one_mailbox_however_its_domain_is_written_shares_one_bound_R_LIM8(beneficiary, now, spellings):
    assert sent_of(beneficiary, now, [*spellings, spellings[0]], networks="198.51") == 5


def test_a_name_with_a_dash_or_an_equals_sign_is_a_mailbox_of_its_own_and_leaves_the_person_s_bound_R_LIM8(
    beneficiary, now
):
    """jean-pierre@ is not jean@: codes asked to camille-x@ or camille=x@ never use up camille@'s bound."""
    others = ["camille-x@example.fr"] * 5 + ["camille=x@example.fr"] * 5
    assert sent_of(beneficiary, now, others, networks="198.51") == 10
    assert sent_of(beneficiary, now, [MAILBOX] * 6, networks="198.52") == 5
    nir = nir_rules.parse(beneficiary.nir)
    assert sign_in(nir=nir, secret=codes_to(MAILBOX)[-1], client=PERSON, now=now).restricted_until
