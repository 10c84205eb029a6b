"""R-LIM8 (issue 21, point 1): whoever knows a NIR and a birth date can neither keep its person from a working
code nor flood the person's mailbox. The scenario: 40 requests from 40 addresses, then the person."""

from dataclasses import replace
from datetime import timedelta

import pytest

from moncompte.accounts.models import Account
from moncompte.core.client import Client
from moncompte.core.errors import TooManyAttempts
from moncompte.outbox.models import OutboundEmail
from moncompte.selfservice.account_manage import password_change
from moncompte.selfservice.code_forgot import code_forgot
from moncompte.selfservice.sign_in import sign_in
from tests import factories
from tests.factories import CLIENT, PERSONAL_CODE
from tests.helpers import clear_code_of, solved_captcha

pytestmark = pytest.mark.django_db
MAILBOX = "camille@example.fr"


@pytest.fixture(autouse=True)
def _captcha_limits_out_of_the_way(settings):
    """The test draws every challenge from one place: the CAPTCHA's own limits are not under test here."""
    settings.MONCOMPTE = replace(settings.MONCOMPTE, captcha_new_per_client=10_000, captcha_new_per_session=10_000)


@pytest.fixture
def device(code_sent, now):
    """The person's account, and the device credential their own browser got at their last sign-in."""
    factories.active(code_sent, now)
    return sign_in(nir=code_sent.nir, secret=PERSONAL_CODE, client=CLIENT, now=now).device


@pytest.fixture
def codes_in_mailbox(device):
    """The codes the person's mailbox received after the journey (a function: read when called)."""
    journey = OutboundEmail.objects.latest("id").pk

    def codes():
        emails = OutboundEmail.objects.filter(template="provisional_code", to_address=MAILBOX, pk__gt=journey)
        return [clear_code_of(email.body_text) for email in emails.order_by("id")]

    return codes


def forgot(code_sent, now, *, client, device=""):
    birth = Account.objects.get().beneficiary.birth_date
    code_forgot(nir=code_sent.nir, birth_date=birth, captcha=solved_captcha(now), client=client, device=device, now=now)


def attack(code_sent, now, *, requests=40):
    for n in range(requests):
        forgot(code_sent, now, client=Client(f"198.51.{n + 1}.7", "script"))  # 40 networks


def test_after_40_requests_from_40_addresses_the_person_s_device_still_gets_a_code_that_works_R_LIM8(
    code_sent, now, device, codes_in_mailbox
):
    attack(code_sent, now)
    later = now + timedelta(minutes=1)
    forgot(code_sent, later, client=CLIENT, device=device)
    newest = codes_in_mailbox()[-1]
    signed = sign_in(nir=code_sent.nir, secret=newest, client=CLIENT, now=later)
    assert signed.restricted_until == later + timedelta(minutes=30)


def test_40_requests_from_40_addresses_send_the_mailbox_5_codes_in_30_minutes_at_most_R_LIM8(
    code_sent, now, device, codes_in_mailbox
):
    attack(code_sent, now)
    assert len(codes_in_mailbox()) == 4  # and the journey's own code at 9:00: 5 in 30 minutes
    attack(code_sent, now + timedelta(minutes=29))
    assert len(codes_in_mailbox()) == 4
    attack(code_sent, now + timedelta(minutes=30, seconds=1))  # the bound: 5 in any 30 minutes, 10 an hour
    assert len(codes_in_mailbox()) == 9


def test_without_a_device_the_person_holds_working_codes_from_the_requests_of_others_R_LIM8_R_CODE2(
    code_sent, now, device, codes_in_mailbox
):
    attack(code_sent, now)
    later = now + timedelta(minutes=20)
    forgot(code_sent, later, client=CLIENT)  # a new phone: no device; nothing more is sent
    codes = codes_in_mailbox()
    assert len(codes) == 4  # and the journey's own: 5 in 30 minutes
    other_phone = Client("192.0.2.80", "a new phone")
    assert sign_in(nir=code_sent.nir, secret=codes[0], client=other_phone, now=later).restricted_until


def test_a_device_has_its_own_cap_of_3_codes_an_hour_R_LIM8(code_sent, now, device, codes_in_mailbox):
    for minute in range(5):
        forgot(code_sent, now + timedelta(minutes=minute), client=CLIENT, device=device)
    assert len(codes_in_mailbox()) == 3
    forgot(code_sent, now + timedelta(minutes=61), client=CLIENT, device=device)
    assert len(codes_in_mailbox()) == 4


def test_a_device_gets_past_its_own_client_s_limit_of_requests_used_up_by_others_R_LIM8(
    code_sent, now, device, settings, codes_in_mailbox
):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, code_forgot_per_client=1)
    behind_the_same_address = Client(CLIENT.address, "script")  # a shared NAT
    forgot(code_sent, now, client=behind_the_same_address)
    with pytest.raises(TooManyAttempts):
        forgot(code_sent, now, client=behind_the_same_address)
    forgot(code_sent, now, client=CLIENT, device=device)
    assert len(codes_in_mailbox()) == 2


def test_a_device_ended_by_a_new_personal_code_or_forged_gets_nothing_past_the_caps_R_LIM8(
    code_sent, now, device, codes_in_mailbox
):
    new = "Nouveau-Code-2027"
    account = Account.objects.get()
    args = {"current_password": PERSONAL_CODE, "password": new, "confirmation": new}
    password_change(account_id=account.pk, **args, client=CLIENT, now=now)
    attack(code_sent, now)
    for credential in (device, device[:-2] + "xx", "1.abc"):
        forgot(code_sent, now + timedelta(minutes=1), client=CLIENT, device=credential)
    assert len(codes_in_mailbox()) == 4  # and the journey's own: 5 in 30 minutes, nothing past them


def test_a_code_sent_is_audited_with_the_device_that_asked_never_its_secret_R_LIM8_R_SEC3(code_sent, now, device):
    from moncompte.audit.models import AuditEvent

    forgot(code_sent, now, client=CLIENT, device=device)
    row = AuditEvent.objects.filter(event="code_forgot_sent").latest("id")
    assert row.details["device"] == device.partition(".")[0]
    secret = device.partition(".")[2]
    assert not any(secret in str(event.details) for event in AuditEvent.objects.all())


def test_behind_an_address_others_have_suspended_the_person_s_device_signs_in_at_once_R_LIM8_R_PW9(
    code_sent, now, device
):
    from moncompte.selfservice.errors import SignInBlocked, SignInRejected

    behind_the_same_address = Client(CLIENT.address, "script")  # a shared NAT
    for _ in range(6):
        with pytest.raises((SignInRejected, SignInBlocked)):
            sign_in(nir=code_sent.nir, secret="Mauvais-Code-1", client=behind_the_same_address, now=now)
    with pytest.raises(SignInBlocked):  # the address waits, the person's browser without its cookie too
        sign_in(nir=code_sent.nir, secret=PERSONAL_CODE, client=CLIENT, now=now)
    signed = sign_in(nir=code_sent.nir, secret=PERSONAL_CODE, client=CLIENT, device=device, now=now)
    assert (signed.restricted_until, signed.device) == (None, device)  # in, and the same device kept


def test_a_device_that_fails_waits_on_its_own_count_R_LIM8_R_PW9(code_sent, now, device):
    from moncompte.selfservice.errors import SignInBlocked, SignInRejected

    for _ in range(5):
        with pytest.raises((SignInRejected, SignInBlocked)):
            sign_in(nir=code_sent.nir, secret="Mauvais-Code-1", client=CLIENT, device=device, now=now)
    with pytest.raises(SignInBlocked):
        sign_in(nir=code_sent.nir, secret=PERSONAL_CODE, client=CLIENT, device=device, now=now)
    assert sign_in(nir=code_sent.nir, secret=PERSONAL_CODE, client=CLIENT, now=now).device  # the address: not


def test_a_success_from_a_device_starts_its_count_again_R_LIM8_R_PW9(code_sent, now, device):
    from moncompte.selfservice.errors import SignInRejected

    for _ in range(4):  # one short of the free failures
        with pytest.raises(SignInRejected):
            sign_in(nir=code_sent.nir, secret="Mauvais-Code-1", client=CLIENT, device=device, now=now)
    sign_in(nir=code_sent.nir, secret=PERSONAL_CODE, client=CLIENT, device=device, now=now)
    for _ in range(4):
        with pytest.raises(SignInRejected):  # not SignInBlocked: the device's failures were forgotten
            sign_in(nir=code_sent.nir, secret="Mauvais-Code-1", client=CLIENT, device=device, now=now)


def test_the_failure_that_starts_a_device_s_wait_says_so_at_once_R_LIM8_R_PW9(code_sent, now, device):
    from moncompte.selfservice.errors import SignInBlocked, SignInRejected

    for _ in range(4):
        with pytest.raises(SignInRejected):
            sign_in(nir=code_sent.nir, secret="Mauvais-Code-1", client=CLIENT, device=device, now=now)
    with pytest.raises(SignInBlocked):  # the fifth, counted on the device, not on the address
        sign_in(nir=code_sent.nir, secret="Mauvais-Code-1", client=CLIENT, device=device, now=now)


def test_a_device_presented_with_a_nir_without_account_is_answered_as_any_R_LIM8_R_LIM4(code_sent, now, device):
    from moncompte.registry import nir as nir_rules
    from moncompte.selfservice.errors import SignInRejected

    with pytest.raises(SignInRejected):
        sign_in(nir=nir_rules.parse("1850575056048"), secret=PERSONAL_CODE, client=CLIENT, device=device, now=now)
