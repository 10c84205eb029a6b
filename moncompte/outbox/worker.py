"""The delivery loop run by `moncompte worker` (and in a thread by `moncompte demo`)."""

import functools
import logging
import math
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
from moncompte.outbox.models import EmailStatus, Lane, OutboundEmail
from moncompte.outbox.transport import SmtpTransport, Transport
from moncompte.outbox.wakeup import listening

logger = logging.getLogger("moncompte.outbox")


class PeriodicJob(Protocol):
    """A periodic job tidies its app's data as of `now` and says how much it did."""

    __name__: str

    def __call__(self, *, now: datetime) -> int: ...


class Feeder(Protocol):
    """Queues emails of the notifications lane (R-DLV5) from up to `limit` items of its app (a campaign's
    notices: messaging/notify.py) and says how many items it took (0: none waiting)."""

    __name__: str

    def __call__(self, *, now: datetime, limit: int) -> int: ...


# The worker keeps its SMTP connection between messages that follow each other within this many seconds.
SMTP_KEEP_IDLE_SECONDS = 10.0
# R-DLV5: the feeders are asked for more when fewer notifications than this are due, a batch at a time, and
# checked again after this many deliveries: a campaign's million stays in its app, not in the outbox.
FEED_LOW_WATER = 2000
FEED_BATCH = 500
DELIVERIES_BETWEEN_FEEDS = 200


def transport_from_settings() -> Transport:
    return SmtpTransport.from_url(settings.EMAIL_URL or "smtp://localhost:25", keep_idle=SMTP_KEEP_IDLE_SECONDS)


def transports_from_settings() -> list[Transport]:
    """One transport per sender of the worker (OUTBOX_SENDERS; one on SQLite, which has one writer at a time)."""
    senders = conf().outbox_senders if connection.vendor == "postgresql" else 1
    return [transport_from_settings() for _ in range(senders)]


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


def feeders_run(feeders: Sequence[Feeder]) -> int:
    """Asks the feeders for a batch if the notifications lane runs low; how many items they took."""
    now = clock.now()
    due = OutboundEmail.objects.filter(status=EmailStatus.PENDING, lane=Lane.NOTIFICATIONS, next_attempt_at__lte=now)
    if not feeders or due.values("id")[:FEED_LOW_WATER].count() >= FEED_LOW_WATER:
        return 0
    taken = 0
    for feeder in feeders:
        try:
            taken += feeder(now=now, limit=FEED_BATCH)
        except Exception:  # a failing feeder must never hold back codes and links
            logger.exception("alimentation %s en échec ; nouvel essai au prochain tour", feeder.__name__)
    return taken


def run(
    *,
    stop: threading.Event,
    transport: Transport,
    periodic_jobs: Sequence[PeriodicJob] = (),
    periodic_every: float = 60.0,
    feeders: Sequence[Feeder] = (),
    more_senders: Sequence[Transport] = (),
) -> None:
    """Delivers until `stop` is set, runs `periodic_jobs` every `periodic_every` seconds and `feeders` whenever
    the notifications lane runs low. A failing database or SMTP server is logged and retried, never fatal.
    Each of `more_senders` is one more sender (issue 24): a thread that only delivers, with that transport and
    a database connection of its own, claiming as this one does (R-DLV1, R-DLV5, R-DLV6 hold between them as
    between workers), the last of them codes and links only; `run` returns once each has finished the message
    in hand."""
    idle = conf().outbox_idle_poll_seconds
    first = functools.partial(
        _deliver_until_stopped,
        stop=stop,
        transport=transport,
        periodic=functools.partial(periodic_jobs_run, periodic_jobs),
        periodic_every=periodic_every,
        idle=idle,
        feed=functools.partial(feeders_run, feeders),
        senders=1 + len(more_senders),
    )
    threads = _more_started(stop=stop, transports=more_senders, idle=idle)
    try:
        _sending(first, transport)
    finally:
        stop.set()  # this sender ended by an error it could not catch: the others too
        for thread in threads:
            thread.join()


def _more_started(*, stop: threading.Event, transports: Sequence[Transport], idle: float) -> list[threading.Thread]:
    """The threads of the other senders, started. R-DLV5: the last takes codes and links only; during a campaign
    every other sender may be queued on a paced provider's row (R-DLV6) or in an exchange, this one waits for
    the wake-up of a code."""
    threads = [
        threading.Thread(
            target=_sending,
            args=(_more(stop=stop, transport=more, idle=idle, first_lane_only=n == len(transports) + 1), more),
            name=f"envoi-{n}",
        )
        for n, more in enumerate(transports, start=2)
    ]
    for thread in threads:
        thread.start()
    return threads


def _more(*, stop: threading.Event, transport: Transport, idle: float, first_lane_only: bool) -> Callable[..., None]:
    """One more sender: no feeding, no periodic jobs (the first sender does them for the process)."""
    return functools.partial(
        _deliver_until_stopped,
        stop=stop,
        transport=transport,
        periodic=lambda: None,
        periodic_every=math.inf,
        idle=idle,
        feed=lambda: 0,
        first_lane_only=first_lane_only,
    )


def _sending(deliver: Callable[..., None], transport: Transport) -> None:
    """One sender's rounds, woken by a listener of its own; its connections closed when it stops."""
    try:
        with listening() as waiter:
            deliver(waiter=waiter)
    finally:
        connection.close()  # this thread's own connection
        if isinstance(transport, SmtpTransport):
            transport.close()  # the SMTP connection kept for the next message


class Wakeup(Protocol):
    """What the round waits on when it found nothing to do (outbox.wakeup.Waiter: a NOTIFY or the poll)."""

    def wait(self, stop: threading.Event, timeout: float) -> None: ...


def _deliver_until_stopped(
    *,
    stop: threading.Event,
    transport: Transport,
    periodic: Callable[[], None],
    periodic_every: float,
    idle: float,
    waiter: Wakeup,
    feed: Callable[[], int],
    senders: int = 1,
    first_lane_only: bool = False,
) -> None:
    # The first sender feeds the lane for the process: while it delivers a batch, the other senders deliver as
    # many each, so its batch is shared out to keep the feeding at every DELIVERIES_BETWEEN_FEEDS of the process.
    batch = max(1, DELIVERIES_BETWEEN_FEEDS // senders)
    next_periodic = 0.0
    while not stop.is_set():
        try:
            close_old_connections()
            tried = feed()
            tried += deliver_due(transport=transport, stop=stop, at_most=batch, first_lane_only=first_lane_only)
            if time.monotonic() >= next_periodic:
                periodic()
                next_periodic = time.monotonic() + periodic_every
        except Exception:
            logger.exception("erreur dans la boucle d'envoi ; nouvel essai dans %s s", idle * 5)
            stop.wait(idle * 5)
            continue
        if not tried:
            waiter.wait(stop, idle)  # an email committed wakes it at once; the poll is the safety net
