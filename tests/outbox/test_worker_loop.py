"""The worker's round (R-DLV1, R-DLV5): feed, deliver at most a batch, run the periodic jobs when their time
has come, and wait for a wake-up only when the round found nothing to do; an error is logged and the round
tried again after a pause, never the end of the worker."""

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from moncompte.core import clock
from moncompte.core.conf import conf
from moncompte.outbox import worker
from moncompte.outbox.models import EmailStatus, OutboundEmail
from tests.outbox.test_delivery import queue_code_email
from tests.outbox.test_exactly_once import Recording

pytestmark = pytest.mark.django_db(transaction=True)
IDLE = 0.1


class Stop(threading.Event):
    """The worker's stop event, keeping how long the worker paused on it."""

    def __init__(self) -> None:
        super().__init__()
        self.pauses: list[float | None] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.pauses.append(timeout)
        return super().wait(0)


class Waiter:
    """Stands for the wake-up: the worker calls it when a round found nothing to do; here that ends the test."""

    def __init__(self) -> None:
        self.waits = 0

    def wait(self, stop: threading.Event, timeout: float) -> None:
        assert timeout == IDLE
        self.waits += 1
        stop.set()


class Round:
    def __init__(self, stop: Stop, waiter: Waiter, *, fed: Iterator[int], periodic_every: float = 0.0) -> None:
        self.stop, self.waiter, self.fed, self.periodic_every = stop, waiter, fed, periodic_every
        self.feeds = self.periodics = 0

    def feed(self) -> int:
        self.feeds += 1
        taken = next(self.fed, 0)
        if taken < 0:
            raise RuntimeError("base indisponible")
        return taken

    def periodic(self) -> None:
        self.periodics += 1

    def run(self, transport: Recording, *, senders: int = 1) -> None:
        watchdog = threading.Timer(5.0, self.stop.set)  # a worker that never waits would never end
        watchdog.start()
        worker._deliver_until_stopped(
            stop=self.stop,
            transport=transport,
            periodic=self.periodic,
            periodic_every=self.periodic_every,
            idle=IDLE,
            waiter=self.waiter,
            feed=self.feed,
            senders=senders,
        )
        assert watchdog.is_alive(), "the worker went round without ever waiting"
        watchdog.cancel()


def rounds_until_idle(*, fed: list[int], emails: int = 0, periodic_every: float = 0.0) -> Round:
    for index in range(emails):
        queue_code_email(clock.now(), to=f"p{index}@example.fr")
    loop = Round(Stop(), Waiter(), fed=iter(fed), periodic_every=periodic_every)
    loop.run(Recording())
    return loop


@pytest.mark.parametrize(
    ("fed", "emails"),
    [([2], 0), ([1], 1), ([0], 1)],
    ids=["notices fed, none due yet", "one fed and one sent", "one sent"],
)
def test_a_round_that_did_something_is_followed_by_another_before_any_wait(fed, emails):
    loop = rounds_until_idle(fed=fed, emails=emails)
    assert (loop.feeds, loop.waiter.waits) == (2, 1)  # the second round found nothing: it waits


def test_a_round_that_found_nothing_waits_for_a_wake_up():
    loop = rounds_until_idle(fed=[])
    assert (loop.feeds, loop.waiter.waits) == (1, 1)


def test_each_round_delivers_at_most_a_batch_then_feeds_again_R_DLV5(monkeypatch):
    monkeypatch.setattr(worker, "DELIVERIES_BETWEEN_FEEDS", 2)
    loop = rounds_until_idle(fed=[], emails=3)
    assert loop.feeds == 3  # 2 sent, 1 sent, none
    assert OutboundEmail.objects.filter(status=EmailStatus.SENT).count() == 3


def test_with_several_senders_the_first_feeds_at_every_batch_of_the_whole_process_R_DLV5(monkeypatch):
    monkeypatch.setattr(worker, "DELIVERIES_BETWEEN_FEEDS", 4)
    for index in range(3):
        queue_code_email(clock.now(), to=f"p{index}@example.fr")
    loop = Round(Stop(), Waiter(), fed=iter([]))
    loop.run(Recording(), senders=2)  # the other sender (not running here) would deliver as many meanwhile
    assert loop.feeds == 3  # 2 sent, 1 sent, none: a batch of 4 // 2 (one sender: 3 sent, none)
    assert OutboundEmail.objects.filter(status=EmailStatus.SENT).count() == 3


def test_the_periodic_jobs_run_at_the_first_round_then_when_their_time_has_come():
    assert rounds_until_idle(fed=[2, 2, 2], periodic_every=60.0).periodics == 1
    assert rounds_until_idle(fed=[2, 2, 2], periodic_every=0.0).periodics == 4


def test_a_stop_during_a_batch_ends_it_after_the_current_message():
    for index in range(2):
        queue_code_email(clock.now(), to=f"p{index}@example.fr")
    stop = Stop()
    loop = Round(stop, Waiter(), fed=iter([]))
    transport = Recording(then=stop)
    loop.run(transport)
    assert len(transport.sent) == 1
    assert OutboundEmail.objects.filter(status=EmailStatus.PENDING).count() == 1


def test_an_error_in_a_round_is_logged_and_the_round_tried_again_after_five_polls(caplog):
    loop = rounds_until_idle(fed=[-1], emails=1)
    assert loop.stop.pauses == [IDLE * 5]
    assert caplog.messages[0] == "erreur dans la boucle d'envoi ; nouvel essai dans 0.5 s"
    assert "base indisponible" in caplog.text
    assert OutboundEmail.objects.get().status == EmailStatus.SENT  # the next round did its work


def test_a_worker_gives_each_sender_its_share_and_its_lane_and_the_first_the_feeding_and_the_jobs_R_DLV5(
    monkeypatch,
):
    """What `run` starts, read from the rounds it hands to each sender (not started here): the first feeds and
    runs the jobs for the whole process, with a batch shared out among the three senders; the last of the
    others takes codes and links only; each has its own transport and stops with the others."""
    started: list[tuple[dict[str, Any], object]] = []
    monkeypatch.setattr(worker, "_sending", lambda deliver, transport: started.append((deliver.keywords, transport)))
    transports = [Recording(), Recording(), Recording()]
    stop = threading.Event()
    worker.run(stop=stop, transport=transports[0], more_senders=transports[1:], periodic_every=30.0)
    by_transport = {id(transport): keywords for keywords, transport in started}
    first, second, last = (by_transport[id(transport)] for transport in transports)
    assert (first["senders"], first["periodic_every"], first.get("first_lane_only", False)) == (3, 30.0, False)
    assert [keywords["transport"] for keywords in (first, second, last)] == transports
    assert (second["first_lane_only"], last["first_lane_only"]) == (False, True)
    assert {keywords["periodic_every"] for keywords in (second, last)} == {float("inf")}
    assert all(keywords["stop"] is stop for keywords in (first, second, last))
    assert {keywords["idle"] for keywords in (first, second, last)} == {conf().outbox_idle_poll_seconds}
    assert stop.is_set()  # `run` returned: the others are told to stop too
    started.clear()
    worker.run(stop=threading.Event(), transport=Recording())
    assert started[0][0]["periodic_every"] == 60.0  # the `worker` command's jobs: once a minute
