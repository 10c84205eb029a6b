"""Mail in milliseconds (issue 13): an email committed wakes the worker at once, instead of waiting for its
next poll, which stays as the safety net.

In one process (the demo, the tests' worker thread) a threading event does it. Across processes on
PostgreSQL, `NOTIFY moncompte_outbox` is sent in the transaction that writes the email, so PostgreSQL delivers
it only if that transaction commits; the worker LISTENs on a connection of its own. On SQLite the poll alone
wakes a worker in another process."""

import contextlib
import select
import threading
import time
from collections.abc import Callable, Iterator

import psycopg
from django.db import connection, connections, transaction

CHANNEL = "moncompte_outbox"
_in_process = threading.Event()


def wake_on_commit() -> None:
    """Called where an email is written, inside the caller's transaction."""
    transaction.on_commit(_in_process.set)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"NOTIFY {CHANNEL}")


def _listen() -> "psycopg.Connection[object] | None":
    """A connection of the worker's own that LISTENs, on PostgreSQL; None elsewhere or when it cannot."""
    if connection.vendor != "postgresql":
        return None
    params = connections["default"].get_connection_params()
    with contextlib.suppress(psycopg.Error):
        listener = psycopg.connect(**params, autocommit=True)
        listener.execute(f"LISTEN {CHANNEL}")
        return listener
    return None


@contextlib.contextmanager
def listening() -> Iterator["Waiter"]:
    """The worker's side: waits for a wake-up or the timeout, whichever comes first."""
    waiter = Waiter(_listen)
    try:
        yield waiter
    finally:
        if waiter.listener is not None:
            waiter.listener.close()


class Waiter:
    RETRY_SECONDS = 30.0  # a listener lost (database restarted) is opened again this often; the poll goes on meanwhile

    def __init__(self, listen: "Callable[[], psycopg.Connection[object] | None]") -> None:
        self.listen = listen
        self.listener = listen()
        self.next_try = time.monotonic() + self.RETRY_SECONDS

    def _listening_again(self) -> None:
        if self.listener is None and connection.vendor == "postgresql" and time.monotonic() >= self.next_try:
            self.listener = self.listen()
            self.next_try = time.monotonic() + self.RETRY_SECONDS

    def wait(self, stop: threading.Event, timeout: float) -> None:
        """Until an email is committed (here or, on PostgreSQL, anywhere), `stop` is set, or the timeout."""
        self._listening_again()
        deadline = time.monotonic() + timeout
        while not stop.is_set() and (left := deadline - time.monotonic()) > 0:
            if _in_process.wait(0) or self._notified(min(left, 0.25)):
                _in_process.clear()
                return
            if self.listener is None:
                _in_process.wait(min(left, 0.25))

    def _notified(self, seconds: float) -> bool:
        if self.listener is None:
            return False
        try:
            ready, _, _ = select.select([self.listener.fileno()], [], [], seconds)
            return bool(ready) and any(True for _ in self.listener.notifies(timeout=0, stop_after=100))
        except (OSError, psycopg.Error):
            self.listener = None  # the poll goes on; listening starts again after RETRY_SECONDS
            return False
