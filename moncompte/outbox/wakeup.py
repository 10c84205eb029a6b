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
from collections.abc import Iterator

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


@contextlib.contextmanager
def listening() -> Iterator["Waiter"]:
    """The worker's side: waits for a wake-up or the timeout, whichever comes first."""
    listener = None
    if connection.vendor == "postgresql":
        params = connections["default"].get_connection_params()
        with contextlib.suppress(psycopg.Error):
            listener = psycopg.connect(**params, autocommit=True)
            listener.execute(f"LISTEN {CHANNEL}")
    try:
        yield Waiter(listener)
    finally:
        if listener is not None:
            listener.close()


class Waiter:
    def __init__(self, listener: "psycopg.Connection[object] | None") -> None:
        self.listener = listener

    def wait(self, stop: threading.Event, timeout: float) -> None:
        """Until an email is committed (here or, on PostgreSQL, anywhere), `stop` is set, or the timeout."""
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
            self.listener = None  # the poll goes on; the next worker start listens again
            return False
