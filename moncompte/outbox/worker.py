"""The delivery loop run by `moncompte worker` (and in a thread by `moncompte demo`)."""

import functools
import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from django.conf import settings
from django.db import close_old_connections, connection

from moncompte.core import clock
from moncompte.core.conf import conf
from moncompte.outbox.delivery import deliver_due
from moncompte.outbox.transport import SmtpTransport, Transport
from moncompte.outbox.wakeup import Waiter, listening

logger = logging.getLogger("moncompte.outbox")


class PeriodicJob(Protocol):
    """A periodic job tidies its app's data as of `now` and says how much it did."""

    __name__: str

    def __call__(self, *, now: datetime) -> int: ...


# The worker keeps its SMTP connection between messages that follow each other within this many seconds.
SMTP_KEEP_IDLE_SECONDS = 10.0


def transport_from_settings() -> Transport:
    return SmtpTransport.from_url(settings.EMAIL_URL or "smtp://localhost:25", keep_idle=SMTP_KEEP_IDLE_SECONDS)


def periodic_jobs_run(jobs: Sequence[PeriodicJob]) -> None:
    """Runs each job once, one after the other, with the same `now`. The jobs are handed in by whoever assembles
    the worker (the `worker` and `demo` commands, above the apps whose data they tidy): the outbox knows none."""
    now = clock.now()
    for job in jobs:
        try:
            done = job(now=now)
        except Exception:  # one failing job must hold back neither the others nor the mail
            logger.exception("tâche périodique %s en échec ; nouvel essai au prochain tour", job.__name__)
            continue
        if done:
            logger.info("tâche périodique %s : %s élément(s) traité(s)", job.__name__, done)


def run(
    *,
    stop: threading.Event,
    transport: Transport,
    periodic_jobs: Sequence[PeriodicJob] = (),
    periodic_every: float = 60.0,
) -> None:
    """Delivers until `stop` is set, and runs `periodic_jobs` every `periodic_every` seconds. A failing database
    or SMTP server is logged and retried, never fatal."""
    idle = conf().outbox_idle_poll_seconds
    periodic = functools.partial(periodic_jobs_run, periodic_jobs)
    try:
        _loop(stop=stop, transport=transport, periodic=periodic, periodic_every=periodic_every, idle=idle)
    finally:
        connection.close()  # this thread's own connection
        if isinstance(transport, SmtpTransport):
            transport.close()  # the SMTP connection kept for the next message


def _loop(
    *,
    stop: threading.Event,
    transport: Transport,
    periodic: Callable[[], None],
    periodic_every: float,
    idle: float,
) -> None:
    with listening() as waiter:
        _deliver_until_stopped(
            stop=stop, transport=transport, periodic=periodic, periodic_every=periodic_every, idle=idle, waiter=waiter
        )


def _deliver_until_stopped(
    *,
    stop: threading.Event,
    transport: Transport,
    periodic: Callable[[], None],
    periodic_every: float,
    idle: float,
    waiter: Waiter,
) -> None:
    next_periodic = 0.0
    while not stop.is_set():
        tried = 0
        try:
            close_old_connections()
            tried = deliver_due(transport=transport, stop=stop)
            if time.monotonic() >= next_periodic:
                periodic()
                next_periodic = time.monotonic() + periodic_every
        except Exception:
            logger.exception("erreur dans la boucle d'envoi ; nouvel essai dans %s s", idle * 5)
            stop.wait(idle * 5)
            continue
        if not tried:
            waiter.wait(stop, idle)  # an email committed wakes it at once; the poll is the safety net
