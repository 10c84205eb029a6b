import logging
import signal
import threading
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand

from moncompte.outbox import worker
from moncompte.outbox.signing import configured_key
from moncompte.web.management.periodic_jobs import FEEDERS, PERIODIC_JOBS

logger = logging.getLogger("moncompte.outbox")


class Command(BaseCommand):
    """The outbox worker, assembled here with the periodic jobs of every app (web/management/periodic_jobs.py)."""

    help = "Remet les courriels en attente (avec nouvelles tentatives) et fait le ménage périodique."

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        configured_key()  # a DKIM configuration that cannot work stops the worker now, not at each message
        # Through logging, like every other line of the worker: JSON too with MONCOMPTE_LOG_FORMAT=json.
        logger.info("Worker démarré (Ctrl+C pour arrêter).")
        first, *more = worker.transports_from_settings()
        logger.info("%s expéditeur(s).", 1 + len(more))
        worker.run(stop=stop, transport=first, more_senders=more, periodic_jobs=PERIODIC_JOBS, feeders=FEEDERS)
        logger.info("Worker arrêté.")
