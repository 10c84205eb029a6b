"""The periodic jobs, composed above the apps they tidy (moncompte/web/management/periodic_jobs.py) and handed
to the worker by the `worker` command: addresses forgotten (R-EM7), spent tokens and old counters purged."""

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command

from moncompte.accounts.emails import pending_of
from moncompte.accounts.states import AccountState
from moncompte.captcha.models import SpentToken
from moncompte.captcha.spent import token_spend
from moncompte.core import throttle
from moncompte.core.models import ThrottleEvent
from moncompte.outbox import worker
from moncompte.outbox.worker import periodic_jobs_run
from moncompte.web.management.periodic_jobs import PERIODIC_JOBS
from tests import factories

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


def test_the_periodic_jobs_forget_old_addresses_and_purge_spent_tokens_and_counters_R_EM7(code_sent, now, traveller):
    journey = factories.with_link_sent(code_sent, now)
    token_spend(kind="challenge", token="old", expires_at=now + timedelta(minutes=5))
    throttle.hit(throttle.Limit("test", 1, DAY), key="someone", now=now)
    traveller.shift(22 * DAY)
    token_spend(kind="challenge", token="new", expires_at=now + 22 * DAY + timedelta(minutes=5))

    periodic_jobs_run(PERIODIC_JOBS)

    assert journey.refresh().state == AccountState.CONTACT_PENDING
    assert pending_of(journey.account, now=now + 22 * DAY) is None
    assert SpentToken.objects.count() == 1
    assert not token_spend(kind="challenge", token="new", expires_at=now + 23 * DAY)
    assert not ThrottleEvent.objects.exists()


def test_the_worker_command_hands_the_jobs_to_the_worker(monkeypatch):
    handed: dict[str, Any] = {}
    monkeypatch.setattr(worker, "run", lambda **kwargs: handed.update(kwargs))
    monkeypatch.setattr("signal.signal", lambda *_: None)  # the test process keeps its own handlers
    call_command("worker")
    assert handed["periodic_jobs"] is PERIODIC_JOBS
    assert {job.__module__.split(".")[1] for job in PERIODIC_JOBS} == {
        "enrollment",
        "captcha",
        "core",
        "outbox",
        "appsessions",
        "defence",
        "support",
    }
