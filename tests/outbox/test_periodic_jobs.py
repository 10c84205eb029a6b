"""The worker's periodic jobs (settings.PERIODIC_JOBS): each app tidies its own data, the worker runs them."""

from datetime import timedelta

import pytest

from moncompte.accounts.emails import pending_of
from moncompte.accounts.states import AccountState
from moncompte.captcha.challenges import challenge_create
from moncompte.captcha.models import Challenge
from moncompte.core import throttle
from moncompte.core.models import ThrottleEvent
from moncompte.outbox.worker import periodic_jobs_from_settings
from tests import factories

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


def test_the_periodic_jobs_forget_old_addresses_and_purge_expired_captchas_and_counters_R_EM7(
    code_sent, now, traveller
):
    journey = factories.with_link_sent(code_sent, now)
    challenge_create(now=now)
    throttle.hit(throttle.Limit("test", 1, DAY), key="someone", now=now)
    traveller.shift(22 * DAY)
    kept = challenge_create(now=now + 22 * DAY)

    periodic_jobs_from_settings()()

    assert journey.refresh().state == AccountState.CONTACT_PENDING
    assert pending_of(journey.account, now=now + 22 * DAY) is None
    assert list(Challenge.objects.values_list("id", flat=True)) == [kept.id]
    assert not ThrottleEvent.objects.exists()


def test_a_job_named_in_the_settings_must_exist(settings):
    settings.PERIODIC_JOBS = ["moncompte.core.throttle.no_such_job"]
    with pytest.raises(ImportError):
        periodic_jobs_from_settings()


def failing_job(*, now):
    raise RuntimeError("base indisponible")


def test_a_failing_job_holds_back_neither_the_others_nor_the_worker(settings, now, traveller, caplog):
    challenge_create(now=now)
    traveller.shift(DAY)
    settings.PERIODIC_JOBS = [
        "tests.outbox.test_periodic_jobs.failing_job",
        "moncompte.captcha.challenges.challenges_purge",
    ]
    periodic_jobs_from_settings()()
    assert not Challenge.objects.exists()
    assert "failing_job en échec" in caplog.text
