import re
from dataclasses import replace
from datetime import date, timedelta

import pytest
from django.db import connection, transaction

from moncompte.accounts.models import Account
from moncompte.accounts.states import AccountEvent, AccountState
from moncompte.accounts.transitions import account_advance
from moncompte.audit.models import AuditEvent
from moncompte.captcha.errors import CaptchaWrong
from moncompte.core import throttle
from moncompte.core.client import Client
from moncompte.core.errors import TooManyAttempts
from moncompte.enrollment import limits
from moncompte.enrollment.code_send import code_send
from moncompte.enrollment.errors import AccountAlreadyExists, IdentityNotMatched
from moncompte.enrollment.models import ProvisionalCode
from moncompte.outbox.models import OutboundEmail
from moncompte.registry import nir as nir_rules
from tests.helpers import clear_code_of, solved_captcha

pytestmark = pytest.mark.django_db


def send(nir, birth, postal, now, *, client, email="camille@example.fr", answer=None):
    """The identity step with a fresh CAPTCHA, answered right unless `answer` says otherwise."""
    return code_send(
        nir=nir_rules.parse(nir),
        birth_date=birth,
        postal_code=postal,
        email=email,
        captcha=solved_captcha(now, answer=answer),
        client=client,
        now=now,
    )


def attempt(beneficiary, now, *, client, birth=None, postal=None, email="camille@example.fr", answer=None):
    return send(
        beneficiary.nir,
        birth or beneficiary.birth_date,
        postal or beneficiary.postal_code,
        now,
        client=client,
        email=email,
        answer=answer,
    )


def test_a_matching_identity_creates_a_provisional_account_and_sends_a_code_R_ID1(beneficiary, now, client_info):
    sent = attempt(beneficiary, now, client=client_info)
    account = Account.objects.get(beneficiary=beneficiary)
    assert account.state == AccountState.PROVISIONAL
    assert sent.email_masked == "c•••••e@example.fr"
    assert sent.expires_at == now + timedelta(minutes=30)
    assert OutboundEmail.objects.get().to_address == "camille@example.fr"


@pytest.mark.parametrize("wrong", [{"birth": date(1984, 5, 4)}, {"postal": "88000"}])
def test_any_mismatch_gives_one_message_that_names_no_field_R_ID1(beneficiary, now, client_info, wrong):
    with pytest.raises(IdentityNotMatched) as refused:
        attempt(beneficiary, now, client=client_info, **wrong)
    assert refused.value.message == IdentityNotMatched().message  # what to check names every field (R-ID1)
    assert not OutboundEmail.objects.exists()


def test_an_unknown_nir_gives_the_same_message_R_ID1_R_LIM4(db, now, client_info):
    with pytest.raises(IdentityNotMatched) as refused:
        send("1850575056048", date(1985, 5, 12), "75011", now, client=client_info)
    assert refused.value.message == IdentityNotMatched().message


def test_a_person_with_an_account_is_sent_to_sign_in_R_ID1(beneficiary, now, client_info):
    attempt(beneficiary, now, client=client_info)
    account_advance(Account.objects.get(), event=AccountEvent.PERSONAL_CODE_SET, now=now)
    with pytest.raises(AccountAlreadyExists, match="Code oublié"):
        attempt(beneficiary, now, client=client_info)


def test_the_captcha_is_checked_first_R_CAP2(beneficiary, now, client_info):
    with pytest.raises(CaptchaWrong):
        attempt(beneficiary, now, client=client_info, answer="ZZZZZZ")
    assert not Account.objects.exists()


def test_five_failures_an_hour_block_the_nir_from_that_client_with_the_time_to_wait_R_ID2(beneficiary, now):
    spray = Client("198.51.100.7")
    for index in range(5):
        with pytest.raises(IdentityNotMatched):
            attempt(beneficiary, now + timedelta(minutes=index), client=spray, postal="00000")
    with pytest.raises(TooManyAttempts) as blocked:
        attempt(beneficiary, now + timedelta(minutes=10), client=spray)
    assert "50 minutes" in blocked.value.message
    assert "En attendant, vérifiez votre numéro de sécurité sociale" in blocked.value.message  # issue 23
    assert AuditEvent.objects.filter(event="identity_throttled").count() == 1


def test_failures_from_elsewhere_never_stop_the_person_from_enrolling_R_LIM2(beneficiary, now):
    for index in range(10):  # someone who knows the NIR tries postal codes from many addresses
        with pytest.raises(IdentityNotMatched):
            attempt(beneficiary, now, client=Client(f"198.51.100.{index}"), postal="00000")
    attempt(beneficiary, now + timedelta(minutes=1), client=Client("203.0.113.20"))
    assert OutboundEmail.objects.filter(template="provisional_code").count() == 1


def test_failures_from_one_client_address_are_limited_R_ID2(db, now, settings):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, identity_max_failures_per_client=3)
    robot = Client("192.0.2.66")
    people = [
        ("1850575056048", date(1985, 5, 12)),
        ("2950113055012", date(1995, 1, 27)),
        ("2840588321025", date(1984, 5, 3)),
        ("179092B042123", date(1979, 9, 30)),
    ]
    for nir, birth in people[:3]:
        with pytest.raises(IdentityNotMatched):
            send(nir, birth, "75011", now, client=robot)
    with pytest.raises(TooManyAttempts):
        send(people[3][0], people[3][1], "75011", now, client=robot)


def test_a_new_code_leaves_the_earlier_ones_working_R_CODE2_R_LIM8(beneficiary, now, client_info):
    attempt(beneficiary, now, client=client_info)
    attempt(beneficiary, now + timedelta(minutes=1), client=client_info)
    codes = ProvisionalCode.objects.order_by("created_at")
    assert [c.voided_at for c in codes] == [None, None]


def test_at_most_3_codes_an_hour_per_nir(beneficiary, now, client_info):
    for minute in range(3):
        attempt(beneficiary, now + timedelta(minutes=minute), client=client_info)
    with pytest.raises(TooManyAttempts):
        attempt(beneficiary, now + timedelta(minutes=5), client=client_info)


def test_the_code_is_stored_only_as_a_digest_R_CODE1(code_sent):
    stored = ProvisionalCode.objects.get()
    assert code_sent.clear not in stored.digest
    assert len(stored.digest) == 64


def test_the_email_follows_the_seed_R_CODE3(code_sent):
    email = OutboundEmail.objects.get()
    assert email.subject == "Votre compte ameli - Votre code provisoire"
    assert code_sent.clear in email.body_text.splitlines()
    assert code_sent.clear in email.body_html
    for text in (email.body_text, re.sub(r"<[^>]+>", "", email.body_html)):
        assert "valable 30 minutes" in text
        assert "Nous ne vous demandons jamais de code par téléphone." in text
        assert "veuillez en informer rapidement votre caisse et modifiez votre code d'accès" in text
        assert 'Ne pas utiliser la fonctionnalité "répondre à".' in text
        assert "Votre Caisse d'Assurance Maladie" in text
        assert "2840588321025" not in text
        assert "2 84 05" not in text


def test_the_stored_copy_for_support_never_shows_the_code_R_CODE1(code_sent):
    email = OutboundEmail.objects.get()
    assert code_sent.clear not in email.shown_text + email.shown_html
    assert "Votre code provisoire" in email.subject


def test_the_email_row_is_written_in_the_same_transaction_R_MAIL1(beneficiary, now, client_info):
    try:
        with transaction.atomic():
            attempt(beneficiary, now, client=client_info)
            assert OutboundEmail.objects.count() == 1
            raise RuntimeError("the business change fails after the email row was written")
    except RuntimeError:
        pass
    assert not OutboundEmail.objects.exists()
    assert not ProvisionalCode.objects.exists()


def test_every_step_is_audited_without_secrets_R_SEC3(beneficiary, now, client_info):
    with pytest.raises(IdentityNotMatched):
        attempt(beneficiary, now, client=client_info, postal="00000")
    attempt(beneficiary, now, client=client_info)
    events = list(AuditEvent.objects.order_by("id").values_list("event", flat=True))
    assert events == ["identity_not_matched", "provisional_code_sent"]
    sent = AuditEvent.objects.get(event="provisional_code_sent")
    assert sent.details == {"email": "c•••••e@example.fr"}
    assert sent.client_address == client_info.address
    code = clear_code_of(OutboundEmail.objects.get().body_text)
    assert all(code not in str(e.details) for e in AuditEvent.objects.all())


def test_the_first_visit_dates_the_account_s_state_and_a_later_one_keeps_the_newest_address(
    beneficiary, now, client_info
):
    attempt(beneficiary, now, client=client_info)
    account = Account.objects.get()
    assert (account.state, account.state_changed_at, account.code_email) == (
        AccountState.PROVISIONAL,
        now,
        "camille@example.fr",
    )
    attempt(beneficiary, now + timedelta(minutes=2), client=client_info, email="nouvelle@example.fr")
    assert Account.objects.get().code_email == "nouvelle@example.fr"


def test_the_hour_of_codes_slides_an_hour_after_the_first_another_can_be_sent(beneficiary, now, client_info):
    for minute in range(3):
        attempt(beneficiary, now + timedelta(minutes=minute), client=client_info)
    attempt(beneficiary, now + timedelta(minutes=61), client=client_info)


def test_codes_to_one_address_for_a_nir_from_anywhere_are_capped_over_a_code_s_lifetime_R_LIM8(
    beneficiary, now, settings
):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, code_max_sends_per_address=2)
    attempt(beneficiary, now, client=Client("198.51.100.1", "a"))
    attempt(beneficiary, now + timedelta(minutes=1), client=Client("198.51.100.2", "b"))
    with pytest.raises(TooManyAttempts):
        attempt(beneficiary, now + timedelta(minutes=2), client=Client("198.51.100.3", "c"))
    attempt(beneficiary, now + timedelta(minutes=2), client=Client("198.51.100.3", "c"), email="autre@example.fr")
    attempt(beneficiary, now + timedelta(minutes=31), client=Client("198.51.100.3", "c"))


def test_choosing_the_personal_code_voids_every_code_still_outstanding_R_CODE2(beneficiary, now, client_info):
    from moncompte.enrollment.password_choose import password_choose
    from moncompte.selfservice.sign_in import sign_in

    for minute in range(3):
        attempt(beneficiary, now + timedelta(minutes=minute), client=client_info)
    used = clear_code_of(OutboundEmail.objects.latest("id").body_text)
    signed = sign_in(nir=nir_rules.parse(beneficiary.nir), secret=used, client=client_info, now=now)
    later = now + timedelta(minutes=4)
    code = "Vacances-Bretagne-42"
    password_choose(account_id=signed.account_id, password=code, confirmation=code, client=client_info, now=later)
    codes = ProvisionalCode.objects.order_by("created_at")
    # The used code stays used, never voided; the two others are voided when the personal code is chosen.
    assert [(c.used_at, c.voided_at) for c in codes] == [(None, later), (None, later), (now, None)]


def test_in_attack_mode_a_network_s_second_identity_of_the_hour_is_refused_and_audited_R_BOT1(db, now, traveller):
    from moncompte.core import clock, tokens
    from moncompte.defence.mode import SUPERVISOR, attack_mode_switch
    from moncompte.registry.models import Beneficiary

    attack_mode_switch(active=True, now=clock.now(), source=SUPERVISOR, reason="essai", staff_username="sup")
    first = Beneficiary.objects.create(
        nir="2840588321001", last_name="D", first_name="C", birth_date=date(1984, 5, 3), postal_code="88100"
    )
    second = Beneficiary.objects.create(
        nir="2840588321002", last_name="D", first_name="C", birth_date=date(1984, 5, 3), postal_code="88100"
    )
    attempt(first, clock.now(), client=Client("198.51.100.7", "a"))
    with pytest.raises(TooManyAttempts):
        attempt(second, clock.now(), client=Client("198.51.100.8", "b"))  # the same /24
    refused = AuditEvent.objects.get(event="identity_throttled")
    assert (refused.nir_pseudonym, refused.client_address, refused.details) == (
        tokens.pseudonym("2840588321002"),
        "198.51.100.8",
        {"reason": "attack_mode_network"},
    )


def audit_of(event: str) -> tuple[object, ...]:
    from moncompte.core import tokens

    row = AuditEvent.objects.filter(event=event).latest("id")
    return row.nir_pseudonym == tokens.pseudonym("2840588321025"), row.account_id, row.client_address, row.details


def test_a_refused_captcha_at_the_identity_step_is_audited_with_the_step_and_the_reason_R_CAP2(
    beneficiary, now, client_info
):
    with pytest.raises(CaptchaWrong):
        attempt(beneficiary, now, client=client_info, answer="ZZZZZZ")
    assert audit_of("captcha_refused") == (
        True,
        None,
        client_info.address,
        {"step": "identity", "reason": CaptchaWrong.code},
    )


def test_someone_else_born_the_same_day_in_the_same_town_is_not_matched_R_ID1(beneficiary, now, client_info):
    with pytest.raises(IdentityNotMatched):
        send("1840588321099", beneficiary.birth_date, beneficiary.postal_code, now, client=client_info)


def test_identity_failures_and_throttling_are_audited_with_the_nir_and_the_client_R_ID2(beneficiary, now, client_info):
    for _ in range(5):
        with pytest.raises(IdentityNotMatched):
            attempt(beneficiary, now, client=client_info, postal="75011")
    assert audit_of("identity_not_matched") == (True, None, client_info.address, {})
    with pytest.raises(TooManyAttempts):
        attempt(beneficiary, now, client=client_info)
    assert audit_of("identity_throttled") == (True, None, client_info.address, {})


def test_a_person_with_an_account_is_audited_with_that_account(code_sent, now, client_info):
    from tests import factories

    journey = factories.with_personal_code(code_sent, now)
    with pytest.raises(AccountAlreadyExists):
        send("2840588321025", date(1984, 5, 3), "88100", now + timedelta(minutes=1), client=client_info)
    assert audit_of("identity_account_exists") == (True, journey.account.pk, client_info.address, {})


def test_a_code_sent_is_audited_with_the_nir_and_the_account(beneficiary, now, client_info):
    sent = attempt(beneficiary, now, client=client_info)
    assert audit_of("provisional_code_sent") == (
        True,
        sent.account_id,
        client_info.address,
        {"email": "c•••••e@example.fr"},
    )
    assert OutboundEmail.objects.get(template="provisional_code").account_id == sent.account_id


def test_an_identity_try_is_counted_before_the_registry_is_read_and_taken_back_unless_it_fails_R_LIM3(beneficiary, now):
    """Issue 21: parallel guesses of one NIR's birth date each see the others, since each is counted before
    its answer is known; a success or a refusal is taken back, so only failures weigh."""
    guesser = Client("198.51.100.9")
    per_nir = (limits.identity_failures_per_nir(), f"{beneficiary.nir}|{guesser.address}")
    per_client = (limits.identity_failures_per_client(), guesser.address)
    seen_while_reading: list[tuple[int, ...]] = []

    def registry_read(execute, sql, params, many, context):
        if "registry_beneficiary" in sql:
            seen_while_reading.append(
                tuple(throttle.count(limit, key=key, now=now) for limit, key in (per_nir, per_client))
            )
        return execute(sql, params, many, context)

    with connection.execute_wrapper(registry_read):
        with pytest.raises(IdentityNotMatched):
            attempt(beneficiary, now, client=guesser, postal="00000")
        attempt(beneficiary, now, client=guesser)
    assert seen_while_reading[0] == (1, 1)  # the failing try, counted while the registry was read
    assert seen_while_reading[1] == (2, 2)  # the right one too, while it was read
    assert [throttle.count(limit, key=key, now=now) for limit, key in (per_nir, per_client)] == [1, 1]
    for _ in range(4):  # four more failures reach the five of the hour, the refused sixth is not kept
        with pytest.raises(IdentityNotMatched):
            attempt(beneficiary, now, client=guesser, postal="00000")
    with pytest.raises(TooManyAttempts):
        attempt(beneficiary, now, client=guesser)
    assert [throttle.count(limit, key=key, now=now) for limit, key in (per_nir, per_client)] == [5, 5]
