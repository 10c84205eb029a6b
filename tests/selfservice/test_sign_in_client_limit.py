"""Issue 21, F6 (fresh attacker): the hourly failures of one client on sign-in (R-PW9, R-LIM2) are counted
before the secret is read and refused after (R-LIM3), with or without Redis: a burst of parallel wrong tries
from one address, on as many NIRs, once got 53 checks past a limit of 50."""

import threading
from dataclasses import replace
from datetime import timedelta

import pytest
import redis
from django.db import connection

from moncompte.audit.models import AuditEvent
from moncompte.core.client import Client
from moncompte.registry import nir as nir_rules
from moncompte.selfservice.errors import SignInBlocked, SignInRejected
from moncompte.selfservice.personal_code import client_attempt_begin
from moncompte.selfservice.sign_in import sign_in
from tests import factories
from tests.factories import CLIENT, PERSONAL_CODE
from tests.helpers import TEST_REDIS_URL

LIMIT = 5
BURST = 20
ELSEWHERE = Client("192.0.2.44", "another client")


def nir(n: int) -> nir_rules.Nir:
    """The n-th of as many NIRs as a burst needs (each has its own five free tries, R-PW9)."""
    return nir_rules.parse(f"1850575056{n:03d}")


@pytest.fixture(params=["database", pytest.param("redis", marks=pytest.mark.redis)])
def store(request, settings):
    """The limit's store: the database, or Redis when REDIS_URL is set; at LIMIT failures an hour."""
    settings.MONCOMPTE = replace(settings.MONCOMPTE, sign_in_max_failures_per_client=LIMIT)
    settings.REDIS_URL = TEST_REDIS_URL if request.param == "redis" else ""
    if settings.REDIS_URL:
        redis.Redis.from_url(settings.REDIS_URL).flushdb()
    return request.param


@pytest.mark.django_db
def test_attempts_begun_and_not_ended_count_against_their_client_so_one_too_many_is_refused_R_LIM3(store, now):
    begun = [client_attempt_begin(nir=nir(n).value, client=CLIENT, now=now) for n in range(LIMIT)]
    with pytest.raises(SignInBlocked) as refused:  # none of the five has read its secret yet
        client_attempt_begin(nir=nir(LIMIT).value, client=CLIENT, now=now)
    assert refused.value.retry_after == timedelta(hours=1)
    throttled = AuditEvent.objects.get(event="sign_in_client_throttled")
    assert throttled.client_address == CLIENT.address
    client_attempt_begin(nir=nir(0).value, client=ELSEWHERE, now=now)  # another client is not slowed
    begun[0].end()  # one ended other than as a failure (a success): taken back, so one more may begin
    client_attempt_begin(nir=nir(LIMIT).value, client=CLIENT, now=now)
    with pytest.raises(SignInBlocked):  # the refused one was taken back, the five others still count
        client_attempt_begin(nir=nir(LIMIT + 1).value, client=CLIENT, now=now)


@pytest.mark.django_db
def test_a_failure_stays_counted_and_a_success_does_not_R_LIM3_R_PW9(store, code_sent, now):
    factories.active(code_sent, now)
    person = code_sent.nir
    for _ in range(3 * LIMIT):  # successes, as many as you like: none is a failure
        sign_in(nir=person, secret=PERSONAL_CODE, client=CLIENT, now=now)
    for n in range(LIMIT - 1):
        with pytest.raises(SignInRejected):
            sign_in(nir=nir(n), secret="Wrong-Code-1", client=CLIENT, now=now)
    assert sign_in(nir=person, secret=PERSONAL_CODE, client=CLIENT, now=now)
    with pytest.raises(SignInRejected):  # the fifth failure
        sign_in(nir=nir(LIMIT), secret="Wrong-Code-1", client=CLIENT, now=now)
    with pytest.raises(SignInBlocked):  # the client's hour is used up, even for the right code (R-PW9)
        sign_in(nir=person, secret=PERSONAL_CODE, client=CLIENT, now=now)
    assert AuditEvent.objects.filter(event="sign_in_failure").count() == LIMIT
    assert sign_in(nir=person, secret=PERSONAL_CODE, client=CLIENT, now=now + timedelta(minutes=61))


@pytest.mark.django_db
def test_the_failure_that_starts_a_wait_counts_and_the_tries_refused_during_it_do_not_R_LIM3_R_PW9(
    store, now, settings
):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, sign_in_max_failures_per_client=LIMIT + 1)
    for _ in range(LIMIT - 1):
        with pytest.raises(SignInRejected):
            sign_in(nir=nir(0), secret="Wrong-Code-1", client=CLIENT, now=now)
    for _ in range(10):  # the fifth failure starts this NIR's wait (R-PW9), then nothing is read
        with pytest.raises(SignInBlocked):
            sign_in(nir=nir(0), secret="Wrong-Code-1", client=CLIENT, now=now)
    assert AuditEvent.objects.filter(event="sign_in_failure").count() == LIMIT
    with pytest.raises(SignInRejected):  # the client's sixth failure of the hour: within its limit
        sign_in(nir=nir(1), secret="Wrong-Code-1", client=CLIENT, now=now)
    with pytest.raises(SignInBlocked):
        sign_in(nir=nir(2), secret="Wrong-Code-1", client=CLIENT, now=now)
    assert AuditEvent.objects.filter(event="sign_in_client_throttled").count() == 1


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_burst_of_parallel_wrong_sign_ins_from_one_client_gets_no_more_checks_than_its_limit_R_LIM3(store, now):
    barrier, outcomes = threading.Barrier(BURST), list[str]()

    def attempt(n: int) -> None:
        try:
            barrier.wait(timeout=10)
            sign_in(nir=nir(n), secret="Wrong-Code-1", client=CLIENT, now=now)
        except (SignInBlocked, SignInRejected) as refused:
            outcomes.append(type(refused).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(BURST)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(outcomes) == BURST  # each answered: a failure, or refused for the client's hour
    checked = AuditEvent.objects.filter(event="sign_in_failure").count()
    assert checked == outcomes.count("SignInRejected") <= LIMIT, outcomes
    for n in range(BURST, BURST + LIMIT - checked):  # what the burst left of the hour, and no more
        with pytest.raises(SignInRejected):
            sign_in(nir=nir(n), secret="Wrong-Code-1", client=CLIENT, now=now)
    with pytest.raises(SignInBlocked):
        sign_in(nir=nir(BURST + LIMIT), secret="Wrong-Code-1", client=CLIENT, now=now)
    assert AuditEvent.objects.filter(event="sign_in_failure").count() == LIMIT
