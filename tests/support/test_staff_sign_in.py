"""R-SUP1, R-SEC3: the staff sign-in's limits, at the level of the use case the back office calls."""

from datetime import datetime, timedelta

import pytest

from moncompte.audit.models import AuditEvent
from moncompte.core.client import Client
from moncompte.core.errors import TooManyAttempts
from moncompte.support.staff_sign_in import (
    staff_attempt_begin,
    staff_attempt_succeeded,
    staff_device_issue,
    staff_failure_count,
)

pytestmark = pytest.mark.django_db
HERE, ELSEWHERE = Client("198.51.100.7", "pytest"), Client("203.0.113.9", "pytest")


def sign_in_completed(*, username: str, client: Client, now: datetime, device: str = "") -> None:
    """A try the back office lets begin (TooManyAttempts otherwise) and that then succeeds: begun and taken back,
    as a complete sign-in does, so it weighs on no later try."""
    staff_attempt_succeeded(staff_attempt_begin(username=username, client=client, now=now, device=device))


def test_the_tenth_failure_of_a_user_name_shuts_it_from_every_address_for_an_hour(now, settings):
    assert settings.MONCOMPTE.staff_max_failures == 10
    for n in range(9):
        staff_failure_count(username="Agent", client=Client(f"192.0.2.{n + 1}", "pytest"), now=now)
    sign_in_completed(username="agent", client=ELSEWHERE, now=now)
    staff_failure_count(username="AGENT", client=None, now=now)
    with pytest.raises(TooManyAttempts):
        sign_in_completed(username="agent", client=ELSEWHERE, now=now)
    sign_in_completed(username="another", client=ELSEWHERE, now=now)
    sign_in_completed(username="agent", client=ELSEWHERE, now=now + timedelta(hours=1, seconds=1))
    throttled = AuditEvent.objects.get(event="staff_sign_in_throttled")
    assert throttled.details["username"] == "agent"


def test_the_tenth_failure_from_an_address_shuts_it_for_every_user_name(now):
    for n in range(10):
        staff_failure_count(username=f"agent{n}", client=HERE, now=now)
    with pytest.raises(TooManyAttempts):
        sign_in_completed(username="nobody-yet", client=HERE, now=now)
    sign_in_completed(username="nobody-yet", client=ELSEWHERE, now=now)


def test_a_wrong_code_of_the_authenticator_counts_as_a_wrong_password_and_is_told_apart(now):
    for _ in range(5):
        staff_failure_count(username="agent", client=HERE, now=now)
        staff_failure_count(username="agent", client=HERE, now=now, second_factor=True)
    with pytest.raises(TooManyAttempts):
        sign_in_completed(username="agent", client=ELSEWHERE, now=now)
    events = list(AuditEvent.objects.values_list("event", flat=True))
    assert events.count("staff_sign_in_failure") == events.count("staff_second_factor_failure") == 5


def test_a_user_name_is_counted_as_django_compares_it(now):
    long = "a" * 150
    for _ in range(10):
        staff_failure_count(username=long + "-and-more", client=None, now=now)
    with pytest.raises(TooManyAttempts):
        sign_in_completed(username=long.upper(), client=HERE, now=now)


def test_a_failure_is_audited_with_the_address_it_came_from(now):
    staff_failure_count(username="marie.martin", client=Client("10.9.8.7", "navigateur"), now=now)
    failure = AuditEvent.objects.get(event="staff_sign_in_failure")
    assert (failure.client_address, failure.details) == ("10.9.8.7", {"username": "marie.martin"})


def test_an_address_shut_is_open_again_an_hour_later_and_the_shutting_is_audited_with_it(now):
    for n in range(10):
        staff_failure_count(username=f"agent{n}", client=HERE, now=now)
    with pytest.raises(TooManyAttempts):
        sign_in_completed(username="nobody-yet", client=HERE, now=now)
    assert AuditEvent.objects.get(event="staff_sign_in_throttled").client_address == HERE.address
    sign_in_completed(username="nobody-yet", client=HERE, now=now + timedelta(hours=1, seconds=1))


def test_a_device_cookie_of_the_user_takes_its_holder_past_the_limits_others_used_up_R_SUP6(now):
    device = staff_device_issue(username="Agent1", now=now - timedelta(days=29))
    for n in range(14):
        staff_failure_count(username="agent1", client=Client(f"192.0.2.{n + 1}", "pytest"), now=now)
    for _ in range(10):
        staff_failure_count(username="other", client=HERE, now=now)
    with pytest.raises(TooManyAttempts):
        sign_in_completed(username="agent1", client=ELSEWHERE, now=now)
    sign_in_completed(username="agent1", client=HERE, now=now, device=device)  # its user name and address spent
    with pytest.raises(TooManyAttempts):
        sign_in_completed(username="other", client=ELSEWHERE, now=now, device=device)  # another user's name


def test_a_device_cookie_older_than_its_lifetime_is_an_unknown_client_R_SUP6(now, settings):
    assert settings.MONCOMPTE.staff_device_lifetime == timedelta(days=30)
    device = staff_device_issue(username="agent1", now=now - timedelta(days=30, seconds=1))
    for n in range(10):
        staff_failure_count(username="agent1", client=Client(f"192.0.2.{n + 1}", "pytest"), now=now)
    with pytest.raises(TooManyAttempts):
        sign_in_completed(username="agent1", client=ELSEWHERE, now=now, device=device)


def test_the_failures_of_a_known_device_count_against_it_and_are_audited_as_such_R_SUP6(now):
    device = staff_device_issue(username="agent1", now=now)
    for _ in range(10):
        staff_failure_count(username="agent1", client=HERE, now=now, device=device, second_factor=True)
    with pytest.raises(TooManyAttempts):
        sign_in_completed(username="agent1", client=ELSEWHERE, now=now, device=device)
    sign_in_completed(
        username="agent1", client=ELSEWHERE, now=now, device=staff_device_issue(username="agent1", now=now)
    )
    failure = AuditEvent.objects.filter(event="staff_second_factor_failure").first()
    assert failure is not None
    assert failure.details == {"username": "agent1", "known_device": True}
    assert device not in str(list(AuditEvent.objects.values_list("details", flat=True)))


def test_the_name_is_counted_as_django_reads_it_so_no_spelling_escapes_the_limit_R_SUP6(now):
    for n in range(10):
        staff_failure_count(username="agent1", client=Client(f"192.0.2.{n + 1}", "pytest"), now=now)
    for spelling in (" agent1", "agent1 ", "AGENT1", "ａｇｅｎｔ１", "\tＡgent1\n"):
        with pytest.raises(TooManyAttempts):
            staff_attempt_begin(username=spelling, client=ELSEWHERE, now=now)


def test_tries_at_once_are_counted_before_any_is_checked_R_LIM3(now):
    """A burst: each try counted as it begins, before its password is checked, so the eleventh is refused even
    while the first ten are still running."""
    running = [staff_attempt_begin(username="agentx", client=HERE, now=now) for _ in range(10)]
    with pytest.raises(TooManyAttempts):
        staff_attempt_begin(username="agentx", client=HERE, now=now)
    staff_attempt_succeeded(running[0])  # a complete sign-in takes its try back
    staff_attempt_begin(username="agentx", client=HERE, now=now)


def test_a_device_cookie_is_known_to_the_last_second_of_its_lifetime_R_SUP6(now, settings):
    device = staff_device_issue(username="agent1", now=now - settings.MONCOMPTE.staff_device_lifetime)
    for n in range(10):
        staff_failure_count(username="agent1", client=Client(f"192.0.2.{n + 1}", "pytest"), now=now)
    sign_in_completed(username="agent1", client=ELSEWHERE, now=now, device=device)


def test_a_known_device_refused_is_audited_as_known_R_SUP6(now):
    device = staff_device_issue(username="agent1", now=now)
    for _ in range(10):
        staff_failure_count(username="agent1", client=HERE, now=now, device=device)
    with pytest.raises(TooManyAttempts):
        sign_in_completed(username="agent1", client=HERE, now=now, device=device)
    throttled = AuditEvent.objects.get(event="staff_sign_in_throttled")
    assert throttled.details == {"username": "agent1", "known_device": True}


def test_a_refused_try_is_told_when_the_oldest_failure_leaves_the_hour_R_SUP6(now):
    for _ in range(10):
        staff_failure_count(username="agent1", client=HERE, now=now)
    with pytest.raises(TooManyAttempts) as refused:
        staff_attempt_begin(username="agent1", client=ELSEWHERE, now=now + timedelta(minutes=20))
    assert refused.value.retry_after == timedelta(minutes=40)


def test_a_known_device_shut_is_open_again_an_hour_later_R_SUP6(now):
    device = staff_device_issue(username="agent1", now=now)
    for _ in range(10):
        staff_failure_count(username="agent1", client=HERE, now=now, device=device)
    with pytest.raises(TooManyAttempts):
        sign_in_completed(username="agent1", client=HERE, now=now + timedelta(minutes=59), device=device)
    sign_in_completed(username="agent1", client=HERE, now=now + timedelta(hours=1, seconds=1), device=device)
