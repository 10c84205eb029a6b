from datetime import timedelta

import pytest

from moncompte.accounts.models import Account
from moncompte.audit.models import AuditEvent
from moncompte.core import tokens
from moncompte.core.client import Client
from moncompte.enrollment.errors import CodeAlreadyUsed, CodeExpired
from moncompte.enrollment.models import ProvisionalCode
from moncompte.enrollment.provisional_codes import (
    SecretKind,
    provisional_code_consume,
    provisional_code_issue,
    secret_classify,
)
from moncompte.enrollment.queries import CodeFound, provisional_code_of
from moncompte.outbox.models import OutboundEmail
from moncompte.registry import nir as nir_rules
from moncompte.registry.models import Beneficiary
from moncompte.selfservice.errors import SignInBlocked, SignInRejected
from moncompte.selfservice.sign_in import sign_in
from tests import factories
from tests.helpers import clear_code_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("elapsed", "accepted"),
    [(timedelta(minutes=29, seconds=59), True), (timedelta(minutes=30, seconds=1), False)],
)
def test_the_code_is_valid_30_minutes_R_CODE2(code_sent, client_info, elapsed, accepted):
    def attempt():
        return sign_in(nir=code_sent.nir, secret=code_sent.clear, client=client_info, now=code_sent.at + elapsed)

    if accepted:
        grant = attempt()
        assert grant.restricted_until == code_sent.at + timedelta(minutes=30)
    else:
        with pytest.raises(CodeExpired, match="Demandez un nouveau code"):
            attempt()


def test_the_code_is_single_use_R_CODE2(code_sent, client_info, now):
    sign_in(nir=code_sent.nir, secret=code_sent.clear, client=client_info, now=now)
    with pytest.raises(CodeAlreadyUsed):
        sign_in(nir=code_sent.nir, secret=code_sent.clear, client=client_info, now=now)


def test_wrong_entries_are_answered_and_slowed_as_for_any_nir_and_never_void_the_code_R_CODE2_R_LIM2_R_LIM4(
    code_sent, client_info, now
):
    for _ in range(4):
        with pytest.raises(SignInRejected) as refused:
            sign_in(nir=code_sent.nir, secret="Wrong2Code", client=client_info, now=now)
        assert refused.value.message == SignInRejected.message  # as for any NIR (R-LIM4)
    with pytest.raises(SignInBlocked):  # the fifth: this client waits, as for any NIR
        sign_in(nir=code_sent.nir, secret="Wrong2Code", client=client_info, now=now)
    # Someone else typing wrong codes for this NIR never voids the person's code (R-LIM2).
    person = Client("198.51.100.20", "at home")
    assert sign_in(nir=code_sent.nir, secret=code_sent.clear, client=person, now=now).restricted_until
    assert ProvisionalCode.objects.get().voided_at is None


def test_spaces_typed_inside_the_code_are_ignored(code_sent, client_info, now):
    spaced = f" {code_sent.clear[:5]} {code_sent.clear[5:]} "
    assert sign_in(nir=code_sent.nir, secret=spaced, client=client_info, now=now).account_id


def test_an_unknown_nir_gets_the_message_of_a_wrong_code(db, client_info, now):
    with pytest.raises(SignInRejected) as refused:
        sign_in(nir=nir_rules.parse("1850575056048"), secret="Ab3dEf7hJk", client=client_info, now=now)
    assert refused.value.message == SignInRejected.message  # as for any NIR (R-LIM4)


def test_sign_in_is_audited_R_SEC3(code_sent, client_info, now):
    with pytest.raises(SignInRejected):
        sign_in(nir=code_sent.nir, secret="Wrong2Code", client=client_info, now=now)
    sign_in(nir=code_sent.nir, secret=code_sent.clear, client=client_info, now=now)
    events = list(AuditEvent.objects.order_by("id").values_list("event", flat=True))
    assert events[-2:] == ["sign_in_failure", "authn_code_success"]


def audit_row(event: str) -> tuple[object, ...]:
    row = AuditEvent.objects.get(event=event)
    return row.nir_pseudonym, row.account_id, row.client_address


def test_the_code_is_over_at_the_30th_minute_itself_and_its_expiry_is_audited_R_CODE2(code_sent, client_info):
    with pytest.raises(CodeExpired):
        sign_in(nir=code_sent.nir, secret=code_sent.clear, client=client_info, now=code_sent.at + timedelta(minutes=30))
    person = (tokens.pseudonym(code_sent.nir.value), code_sent.sent.account_id, client_info.address)
    assert audit_row("authn_code_expired") == person


def the_code() -> CodeFound:
    """The one code stored, as sign-in finds it."""
    row = ProvisionalCode.objects.get()
    found = provisional_code_of(account_id=row.account_id, digest=row.digest)
    assert found is not None
    return found


def test_a_code_used_opens_that_account_s_restricted_session_and_is_audited_R_CODE4(code_sent, client_info, now):
    account = Account.objects.select_related("beneficiary").get(pk=code_sent.sent.account_id)
    grant = provisional_code_consume(
        account=account, nir=code_sent.nir.value, code=the_code(), client=client_info, now=now
    )
    assert (grant.account_id, grant.until, grant.session_epoch) == (account.pk, now + timedelta(minutes=30), 0)
    person = (tokens.pseudonym(code_sent.nir.value), account.pk, client_info.address)
    assert audit_row("authn_code_success") == person


def test_using_a_code_uses_up_no_other_code(code_sent, client_info, now):
    other = Beneficiary.objects.create(
        nir="1850575056048", last_name="M", first_name="V", birth_date="1985-05-12", postal_code="75011"
    )
    owner = Account.objects.create(beneficiary=other, created_at=now, code_email="v@example.fr")
    provisional_code_issue(account=owner, to="v@example.fr", now=now)
    sign_in(nir=code_sent.nir, secret=code_sent.clear, client=client_info, now=now)
    assert ProvisionalCode.objects.get(account=owner).used_at is None


def test_a_voided_code_cannot_be_used_R_CODE2(code_sent, client_info, now):
    account = Account.objects.select_related("beneficiary").get(pk=code_sent.sent.account_id)
    ProvisionalCode.objects.update(voided_at=now)
    with pytest.raises(CodeAlreadyUsed):
        provisional_code_consume(account=account, nir=code_sent.nir.value, code=the_code(), client=client_info, now=now)


def test_of_two_codes_sent_the_same_instant_the_later_one_counts_R_CODE2(code_sent, client_info, now):
    account = Account.objects.get(pk=code_sent.sent.account_id)
    provisional_code_issue(account=account, to="camille@example.fr", now=code_sent.at)
    clear = clear_code_of(OutboundEmail.objects.latest("id").body_text)
    assert sign_in(nir=code_sent.nir, secret=clear, client=client_info, now=now).restricted_until


def test_with_a_personal_code_a_live_provisional_code_still_signs_in_R_CODE5(code_sent, client_info, now):
    journey = factories.active(code_sent, now)
    provisional_code_issue(account=journey.account, to="camille@example.fr", now=now)
    clear = clear_code_of(OutboundEmail.objects.latest("id").body_text)
    typed = secret_classify(account=journey.refresh(), typed=clear, now=now)
    assert typed.kind is SecretKind.PROVISIONAL_CODE


@pytest.mark.parametrize("how", ["used", "voided", "expired"])
def test_with_a_personal_code_a_dead_provisional_code_is_just_a_wrong_code_R_PW9_R_LIM4(code_sent, client_info, how):
    now = code_sent.at
    journey = factories.active(code_sent, now)
    provisional_code_issue(account=journey.account, to="camille@example.fr", now=now)
    clear = clear_code_of(OutboundEmail.objects.latest("id").body_text)
    code = ProvisionalCode.objects.latest("id")
    at = now
    if how == "used":
        sign_in(nir=code_sent.nir, secret=clear, client=client_info, now=now)
    elif how == "voided":
        ProvisionalCode.objects.filter(pk=code.pk).update(voided_at=now)
    else:
        at = code.expires_at  # its 30th minute itself
    with pytest.raises(SignInRejected):
        sign_in(nir=code_sent.nir, secret=clear, client=client_info, now=at)
