"""Counting attempts with a personal code (R-PW9, R-LIM2, R-LIM3): what is left counted, what is audited."""

import contextlib
from datetime import timedelta

import pytest

from moncompte.audit.models import AuditEvent
from moncompte.core import throttle, tokens
from moncompte.selfservice import limits, personal_code
from moncompte.selfservice.errors import SignInBlocked
from tests.factories import CLIENT

pytestmark = pytest.mark.django_db
NIR = "2840588321025"


def attempts_counted(now) -> int:
    return throttle.count(limits.sign_in_attempts(), key=f"{NIR}|{CLIENT.address}", now=now)


def test_an_attempt_whose_check_crashes_is_not_left_counted(monkeypatch, now):
    def crash(*args, **kwargs):
        raise RuntimeError("the check crashed")

    monkeypatch.setattr(personal_code, "_wait", crash)
    with pytest.raises(RuntimeError, match="the check crashed"):
        personal_code.attempt_count(nir=NIR, client=CLIENT, now=now, event="sign_in")
    assert attempts_counted(now) == 0


def test_an_attempt_refused_while_waiting_is_audited_with_the_nir_and_the_client_R_SEC3(now):
    for _ in range(4):
        assert not personal_code.personal_code_verify(
            nir=NIR, stored="", typed="x", client=CLIENT, now=now, event="sign_in"
        )
    with pytest.raises(SignInBlocked):  # the fifth failure starts the wait
        personal_code.personal_code_verify(nir=NIR, stored="", typed="x", client=CLIENT, now=now, event="sign_in")
    with pytest.raises(SignInBlocked):
        personal_code.attempt_count(nir=NIR, client=CLIENT, now=now + timedelta(minutes=1), event="sign_in")
    refused = AuditEvent.objects.get(event="sign_in_refused_blocked")
    assert (refused.nir_pseudonym, refused.client_address) == (tokens.pseudonym(NIR), CLIENT.address)
    assert attempts_counted(now + timedelta(minutes=1)) == 5  # the refused attempt was taken back


def test_the_wait_runs_from_the_last_failure_not_from_an_earlier_one_R_PW9(now):
    for _ in range(4):
        assert not personal_code.personal_code_verify(
            nir=NIR, stored="", typed="x", client=CLIENT, now=now, event="sign_in"
        )
    later = now + timedelta(minutes=10)
    with pytest.raises(SignInBlocked):
        personal_code.personal_code_verify(nir=NIR, stored="", typed="x", client=CLIENT, now=later, event="sign_in")
    with pytest.raises(SignInBlocked) as blocked:
        personal_code.attempt_count(nir=NIR, client=CLIENT, now=later + timedelta(minutes=1), event="sign_in")
    assert blocked.value.retry_after == timedelta(minutes=1)


def fail(now, times: int = 1, event: str = "sign_in") -> None:
    for _ in range(times):
        with contextlib.suppress(SignInBlocked):
            personal_code.personal_code_verify(nir=NIR, stored="", typed="x", client=CLIENT, now=now, event=event)


def test_the_failure_that_starts_a_wait_is_audited_with_the_nir_the_client_and_the_wait_R_SEC3(now):
    fail(now, times=5)
    blocked = AuditEvent.objects.get(event="sign_in_blocked")
    assert (blocked.nir_pseudonym, blocked.client_address, blocked.details) == (
        tokens.pseudonym(NIR),
        CLIENT.address,
        {"seconds": 120},
    )


def test_an_attempt_refused_while_waiting_is_audited_under_its_own_event_R_LIM5(now):
    fail(now, times=5)
    with pytest.raises(SignInBlocked):
        personal_code.personal_code_verify(
            nir=NIR, stored="", typed="x", client=CLIENT, now=now + timedelta(minutes=1), event="current_code"
        )
    assert AuditEvent.objects.filter(event="current_code_refused_blocked").count() == 1


def test_the_wait_ends_at_its_last_second_R_PW9(now):
    fail(now, times=5)
    personal_code.attempt_count(nir=NIR, client=CLIENT, now=now + timedelta(minutes=2), event="sign_in")


def test_failures_older_than_a_day_no_longer_count_R_PW9(now):
    fail(now, times=4)
    later = now + timedelta(days=1, hours=1)
    fail(later, times=4)  # four again: still free
    assert not AuditEvent.objects.filter(event="sign_in_blocked").exists()


def test_the_right_code_asked_again_starts_the_count_again_without_a_sign_in_attempt_R_LIM5_R_PW9(now):
    """The account page asks for the current code (R-LIM5): no attempt of a sign-in to take back, the count of
    the NIR from this client cleared all the same."""
    from moncompte.accounts import passwords

    stored = passwords.hash_password("Vacances-Bretagne-42")
    fail(now, times=4)
    assert attempts_counted(now) == 4
    assert personal_code.personal_code_verify(
        nir=NIR, stored=stored, typed="Vacances-Bretagne-42", client=CLIENT, now=now, event="sign_in"
    )
    assert attempts_counted(now) == 0
