"""How a waiting worker wakes (issue 13), on any database: a stand-in for PostgreSQL's LISTEN connection rings
as a NOTIFY would. The real connection is tested on PostgreSQL in test_wakeup.py."""

import socket
import threading
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import cast

import psycopg
import pytest

from moncompte.outbox import wakeup
from moncompte.outbox.wakeup import Waiter


class Listener:
    """Like psycopg's listening connection: readable once notified; `notifies(timeout, stop_after)` yields
    what arrived, waiting up to `timeout` (None: for ever) for more until `stop_after` of them."""

    opened: list["Listener"] = []

    def __init__(self) -> None:
        self._reader, self._writer = socket.socketpair()
        self.pending, self.lost = 0, False
        Listener.opened.append(self)

    def close(self) -> None:
        self._reader.close()
        self._writer.close()

    def fileno(self) -> int:
        return self._reader.fileno()

    def notify(self) -> None:
        self.pending += 1
        self._writer.send(b"!")

    def lose(self) -> None:
        """The database restarted: the connection is readable, and reading it fails."""
        self.lost = True
        self._writer.send(b"!")

    def notifies(self, *, timeout: float | None = None, stop_after: int | None = None) -> list[int]:
        if self.lost:
            raise psycopg.OperationalError("terminating connection due to administrator command")
        if stop_after is None or self.pending < stop_after:
            time.sleep(3600 if timeout is None else timeout)  # psycopg waits for more, as long as it is told
        self._reader.recv(1024)
        arrived, self.pending = self.pending, 0
        return list(range(arrived))


@pytest.fixture(autouse=True)
def nothing_committed_meanwhile(monkeypatch):
    wakeup._in_process.clear()
    monkeypatch.setattr(wakeup, "connection", SimpleNamespace(vendor="postgresql"))
    yield
    while Listener.opened:
        Listener.opened.pop().close()


def waiting_on(listen: Callable[[], Listener | None]) -> Waiter:
    """A worker's waiter whose LISTEN connection is the stand-in."""
    return Waiter(cast("Callable[[], psycopg.Connection[object] | None]", listen))


def seconds_waited(waiter: Waiter, timeout: float, *, meanwhile=lambda: None, stop=None) -> float:
    """How long `waiter.wait` lasts when `meanwhile` happens 0.2 s into it (at most 5 s are waited for)."""
    stop = stop or threading.Event()
    started = time.monotonic()
    thread = threading.Thread(target=waiter.wait, args=(stop, timeout), daemon=True)
    thread.start()
    time.sleep(0.2)
    meanwhile()
    thread.join(timeout=5)
    assert not thread.is_alive(), "the waiter never came back"
    return time.monotonic() - started


# "At once" against waits of 30 s: with room for a loaded machine (CI's parts side by side) to schedule the thread.
AT_ONCE = 2.0
# Long enough that a loaded machine cannot let it pass between two steps of the test that must fall within it.
RETRY = 1.5


def test_a_notification_wakes_the_waiter_at_once():
    listener = Listener()
    assert seconds_waited(waiting_on(lambda: listener), 30.0, meanwhile=listener.notify) < AT_ONCE


def test_a_stop_ends_the_wait_at_once_with_or_without_a_listener():
    for listen in (Listener, lambda: None):
        stop = threading.Event()
        assert seconds_waited(waiting_on(listen), 30.0, meanwhile=stop.set, stop=stop) < AT_ONCE


@pytest.mark.parametrize("listen", [Listener, lambda: None], ids=["listening", "polling"])
def test_without_a_wake_up_the_waiter_waits_its_timeout_without_spinning(listen):
    cpu = time.process_time()
    assert 0.6 <= seconds_waited(waiting_on(listen), 0.6) < 0.6 + AT_ONCE
    assert time.process_time() - cpu < 0.2


def test_a_listener_lost_with_the_database_is_opened_again_after_a_pause_then_wakes_the_waiter(monkeypatch):
    monkeypatch.setattr(Waiter, "RETRY_SECONDS", RETRY)
    opened: list[Listener | None] = []

    def listen() -> Listener | None:
        opened.append(Listener() if len(opened) != 1 else None)  # the first try after the loss finds it down
        return opened[-1]

    waiter = waiting_on(listen)
    first = opened[0]
    assert first is not None
    assert seconds_waited(waiter, 0.4, meanwhile=first.lose) >= 0.4  # lost: it polls until its timeout
    assert waiter.listener is None
    waiter.wait(threading.Event(), 0.05)
    assert len(opened) == 1  # not again before RETRY_SECONDS
    time.sleep(RETRY)
    waiter.wait(threading.Event(), 0.05)
    assert opened[1:] == [None]  # the database is still down
    waiter.wait(threading.Event(), 0.05)
    assert len(opened) == 2  # and the next try waits RETRY_SECONDS again
    time.sleep(RETRY)

    def ring() -> None:
        latest = opened[-1]
        assert latest is not None
        latest.notify()

    second = seconds_waited(waiter, 30.0, meanwhile=ring)
    assert len(opened) == 3
    assert second < AT_ONCE
    waiter.wait(threading.Event(), 0.05)
    assert len(opened) == 3  # a listener that works is kept, never opened again
