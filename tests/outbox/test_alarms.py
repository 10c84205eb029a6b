"""The outbox's one alarms thread (alarms.py): a send's deadline and a lease's first beat without a thread per
message, on time whatever else is armed."""

import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta

import pytest

from moncompte.core import clock
from moncompte.outbox.alarms import Alarms
from moncompte.outbox.delivery import claim_next
from moncompte.outbox.lease import LeaseKept
from tests.outbox.test_delivery import queue_code_email


def test_an_alarm_runs_once_at_its_time_and_a_cancelled_one_never():
    alarms = Alarms("test")
    ran: list[str] = []
    started = time.monotonic()
    alarms.arm(0.05, lambda: ran.append("due"))
    cancelled = alarms.arm(0.02, lambda: ran.append("cancelled"))
    assert alarms.cancel(cancelled)
    time.sleep(0.2)
    assert ran == ["due"]
    assert time.monotonic() - started >= 0.05


def test_an_alarm_armed_sooner_than_the_one_the_thread_sleeps_until_wakes_it():
    alarms = Alarms("test")
    done = threading.Event()
    alarms.arm(30, lambda: None)  # the thread sleeps until then
    started = time.monotonic()
    alarms.arm(0.05, done.set)
    assert done.wait(5)
    assert time.monotonic() - started < 1


def test_a_failing_alarm_holds_back_none_of_the_others(caplog):
    def failing() -> None:
        raise RuntimeError("une alarme en panne")

    alarms = Alarms("test")
    done = threading.Event()
    alarms.arm(0.01, failing)
    alarms.arm(0.02, done.set)
    assert done.wait(5)
    assert f"alarme {failing} en échec" in caplog.messages  # which callback failed, said in the log


def test_the_alarms_run_in_one_thread_of_their_name():
    """The name is what py-spy and the thread list show."""
    alarms = Alarms("alarmes-du-test")
    names: list[str] = []
    done = threading.Event()

    def note_the_thread() -> None:
        names.append(threading.current_thread().name)
        done.set()

    alarms.arm(0.01, note_the_thread)
    assert done.wait(5)
    assert names == ["alarmes-du-test"]


def test_with_nothing_armed_the_thread_sleeps_rather_than_spins():
    alarms = Alarms("test")
    done = threading.Event()
    alarms.arm(0.01, done.set)
    assert done.wait(5)
    assert alarms._thread is not None
    assert alarms._thread.ident is not None
    thread_cpu = time.pthread_getcpuclockid(alarms._thread.ident)
    before = time.clock_gettime(thread_cpu)
    time.sleep(0.5)
    assert time.clock_gettime(thread_cpu) - before < 0.05  # seconds of CPU in half a second, nothing due


@pytest.mark.django_db(transaction=True)
def test_a_lease_released_before_its_first_beat_never_starts_a_thread_R_DLV1():
    """A message sent in milliseconds costs no thread: the beats only start at the first quarter of the lease."""
    queue_code_email(clock.now())
    claimed = claim_next(now=clock.now())
    assert claimed is not None
    before = threading.active_count()
    kept = LeaseKept(
        email_id=claimed.email.pk,
        claim=claimed.claim,
        lease_until=claimed.lease_until,
        length=timedelta(seconds=20),
        transport=object(),
    )
    with kept:
        during = threading.active_count()
    assert kept._thread.ident is None
    assert during <= before + 1  # at most the alarms' own thread, started once for the process


@pytest.mark.django_db(transaction=True)
def test_a_lease_held_past_its_first_quarter_is_renewed_by_its_own_thread_R_DLV1():
    queue_code_email(clock.now())
    claimed = claim_next(now=clock.now())
    assert claimed is not None
    length = timedelta(seconds=1)  # room for a loaded machine (CI's parts side by side) to schedule the beat
    with LeaseKept(
        email_id=claimed.email.pk,
        claim=claimed.claim,
        lease_until=clock.now() + length,
        length=length,
        transport=object(),
    ) as kept:
        first = kept.lease_until
        waited = time.monotonic() + 5
        while kept.lease_until == first and time.monotonic() < waited:  # the first beat is due at 0.25 s
            time.sleep(0.01)
    assert kept._thread.ident is not None
    assert kept._thread.name == f"bail-{claimed.email.pk}"  # a thread dump says which email's lease it keeps
    assert kept.lease_until > first
    assert not kept.lost


def test_every_alarm_armed_runs_in_the_one_thread_already_started():
    name = f"alarmes-{uuid.uuid4()}"  # its own: the threads of the tests run before in this process live on
    alarms = Alarms(name)
    keys = [alarms.arm(30, lambda: None) for _ in range(5)]
    assert [t.name for t in threading.enumerate()].count(name) == 1
    for key in keys:
        assert alarms.cancel(key)


def test_a_process_with_alarms_still_armed_ends_without_waiting_for_them():
    """A worker that stops must not wait for a lease's beat or a send's deadline armed a minute ahead."""
    armed = "from moncompte.outbox.alarms import Alarms; Alarms('test').arm(60, print); print('fin')"
    ended = subprocess.run([sys.executable, "-c", armed], capture_output=True, text=True, timeout=20)
    assert (ended.returncode, ended.stdout) == (0, "fin\n")
