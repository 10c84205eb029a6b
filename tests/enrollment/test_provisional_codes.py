from datetime import timedelta

import pytest

from moncompte.audit.models import AuditEvent
from moncompte.core.client import Client
from moncompte.enrollment.errors import CodeAlreadyUsed, CodeExpired
from moncompte.enrollment.models import ProvisionalCode
from moncompte.registry import nir as nir_rules
from moncompte.selfservice.errors import SignInBlocked, SignInRejected
from moncompte.selfservice.sign_in import sign_in

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
        assert refused.value.message == "Le numéro de sécurité sociale ou le code saisi est incorrect."
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
    assert refused.value.message == "Le numéro de sécurité sociale ou le code saisi est incorrect."


def test_sign_in_is_audited_R_SEC3(code_sent, client_info, now):
    with pytest.raises(SignInRejected):
        sign_in(nir=code_sent.nir, secret="Wrong2Code", client=client_info, now=now)
    sign_in(nir=code_sent.nir, secret=code_sent.clear, client=client_info, now=now)
    events = list(AuditEvent.objects.order_by("id").values_list("event", flat=True))
    assert events[-2:] == ["sign_in_failure", "authn_code_success"]
