"""One thread of the process runs the outbox's timed callbacks: an SMTP send's deadline (transport.py) and the
first beat of a claim's lease (lease.py). A thread started per timer costs a thread switch at every message,
and on a busy machine each switch waits for a core: at hundreds of messages a second, that was most of the time.

Arming and cancelling never wake the thread unless the new alarm is due before the one it sleeps until. The
callbacks must be quick and never block (hang up a socket, start a thread): a slow one would delay the others.
"""

import itertools
import logging
import math
import os
import threading
import time
from collections.abc import Callable

logger = logging.getLogger("moncompte.outbox")


class Alarms:
    IDLE_SECONDS = 60.0  # with nothing armed, the thread sleeps this long (an alarm armed sooner wakes it)

    def __init__(self, name: str) -> None:
        self.name = name
        self._reset()
        os.register_at_fork(after_in_child=self._reset)  # a forked child has the lock, not the thread

    def _reset(self) -> None:
        self._condition = threading.Condition()
        self._armed: dict[int, tuple[float, Callable[[], None]]] = {}
        self._keys = itertools.count(1)
        self._wakes_at = math.inf
        self._thread: threading.Thread | None = None

    def arm(self, seconds: float, callback: Callable[[], None]) -> int:
        """Runs `callback` in the alarms' thread in `seconds` (monotonic), unless cancelled first; its key."""
        when = time.monotonic() + seconds
        with self._condition:
            key = next(self._keys)
            self._armed[key] = (when, callback)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()
            elif when < self._wakes_at:
                self._condition.notify()
            return key

    def cancel(self, key: int) -> bool:
        """False if the alarm has already been run (or is being run)."""
        with self._condition:
            return self._armed.pop(key, None) is not None

    def _run(self) -> None:
        while True:
            with self._condition:
                now = time.monotonic()
                due = [key for key, (when, _) in self._armed.items() if when <= now]
                callbacks = [self._armed.pop(key)[1] for key in due]
                if not callbacks:
                    self._wakes_at = min((when for when, _ in self._armed.values()), default=now + self.IDLE_SECONDS)
                    self._condition.wait(self._wakes_at - now)
                    continue
            for callback in callbacks:
                try:
                    callback()
                except Exception:  # one failing alarm never stops the others
                    logger.exception("alarme %s en échec", callback)


alarms = Alarms("moncompte-alarmes")
