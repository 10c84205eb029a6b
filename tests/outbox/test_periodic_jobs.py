"""The worker's periodic jobs (settings.PERIODIC_JOBS): each app tidies its own data, the worker runs them."""

from datetime import timedelta

import pytest

from moncompte.accounts.emails import pending_of
from moncompte.accounts.states import AccountState
from moncompte.captcha.models import SpentToken
from moncompte.captcha.spent import token_spend
from moncompte.core import throttle
from moncompte.core.models import ThrottleEvent
from moncompte.outbox.worker import periodic_jobs_from_settings
from tests import factories

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


def test_the_periodic_jobs_forget_old_addresses_and_purge_spent_tokens_and_counters_R_EM7(code_sent, now, traveller):
    journey = factories.with_link_sent(code_sent, now)
    token_spend(kind="challenge", token="old", expires_at=now + timedelta(minutes=5))
    throttle.hit(throttle.Limit("test", 1, DAY), key="someone", now=now)
    traveller.shift(22 * DAY)
    token_spend(kind="challenge", token="new", expires_at=now + 22 * DAY + timedelta(minutes=5))

    periodic_jobs_from_settings()()

    assert journey.refresh().state == AccountState.CONTACT_PENDING
    assert pending_of(journey.account, now=now + 22 * DAY) is None
    assert SpentToken.objects.count() == 1
    assert not token_spend(kind="challenge", token="new", expires_at=now + 23 * DAY)
    assert not ThrottleEvent.objects.exists()


def test_a_job_named_in_the_settings_must_exist(settings):
    settings.PERIODIC_JOBS = ["moncompte.core.throttle.no_such_job"]
    with pytest.raises(ImportError):
        periodic_jobs_from_settings()


def failing_job(*, now):
    raise RuntimeError("base indisponible")


def test_a_failing_job_holds_back_neither_the_others_nor_the_worker(settings, now, traveller, caplog):
    token_spend(kind="challenge", token="old", expires_at=now)
    traveller.shift(DAY)
    settings.PERIODIC_JOBS = [f"{__name__}.failing_job", "moncompte.captcha.spent.spent_tokens_purge"]
    periodic_jobs_from_settings()()
    assert not SpentToken.objects.exists()
    assert "failing_job en échec" in caplog.text
