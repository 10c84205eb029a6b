"""The worker runs the periodic jobs it is handed (moncompte/web/management/periodic_jobs.py composes them):
each once a round, with the same `now`, a failing one holding back neither the others nor the mail."""

import threading
from datetime import datetime

import pytest

from moncompte.core import clock
from moncompte.outbox.models import EmailStatus
from moncompte.outbox.worker import periodic_jobs_run, run
from tests.outbox.test_delivery import queue_code_email
from tests.outbox.test_exactly_once import Recording

pytestmark = pytest.mark.django_db


class Job:
    def __init__(self, name: str, *, fails: bool = False, done: int = 1) -> None:
        self.__name__, self.fails, self.done = name, fails, done
        self.runs: list[datetime] = []

    def __call__(self, *, now: datetime) -> int:
        self.runs.append(now)
        if self.fails:
            raise RuntimeError("base indisponible")
        return self.done


def test_each_job_runs_once_with_the_same_now(now, traveller, caplog):
    first, second = Job("first", done=3), Job("second", done=0)
    periodic_jobs_run([first, second])
    assert (first.runs, second.runs) == ([clock.now()], [clock.now()])
    assert caplog.messages == ["tâche périodique first : 3 élément(s) traité(s)"]
    assert "second" not in caplog.text  # nothing done, nothing said


def test_a_failing_job_holds_back_neither_the_others_nor_the_worker(now, traveller, caplog):
    failing, after = Job("failing_job", fails=True), Job("after")
    periodic_jobs_run([failing, after])
    assert (len(failing.runs), len(after.runs)) == (1, 1)
    assert caplog.messages[0] == "tâche périodique failing_job en échec ; nouvel essai au prochain tour"


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_the_jobs_it_is_handed_beside_the_mail(now):
    email = queue_code_email(now)
    failing, job = Job("failing_job", fails=True), Job("job")
    stop = threading.Event()
    transport = Recording(then=stop)  # the first message sent stops the worker after its round
    run(stop=stop, transport=transport, periodic_jobs=[failing, job])
    email.refresh_from_db()
    assert (email.status, len(transport.sent)) == (EmailStatus.SENT, 1)
    assert (len(failing.runs), len(job.runs)) == (1, 1)
