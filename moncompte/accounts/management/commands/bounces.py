"""`moncompte bounces` (R-DLV2, R-OPS3): its report on stdout and nothing else, one line per reading of the
Maildir; its logs (each message received, the listener started) and its errors on stderr; a reading that fails
(the database, the Maildir) ends it with a sentence and a non-zero exit status, the messages left for the next."""

import logging
import signal
import threading
from collections import Counter
from pathlib import Path
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from moncompte.accounts.bounce_inbox import listener_start, maildir_process
from moncompte.accounts.bounces import BounceOutcome
from moncompte.core import clock

logger = logging.getLogger("moncompte.bounces")


def report_line(maildir: Path, outcomes: Counter[BounceOutcome]) -> str:
    """One reading of the Maildir: when, where, how many messages, and what became of them."""
    total = sum(outcomes.values())
    line = f"{clock.now():%Y-%m-%dT%H:%M:%SZ} {maildir} : {total} message(s) lu(s)"
    if total:
        line += " — " + ", ".join(f"{outcomes[each]} {each.value}" for each in BounceOutcome if outcomes[each])
    return line


class Command(BaseCommand):
    help = (
        "Reçoit les avis de non-remise (RFC 3464) et les plaintes (ARF) : en écoutant en SMTP (--listen) "
        "ou en lisant une boîte Maildir (--maildir, une fois, ou toutes les N secondes avec --every). Le rapport "
        "(une ligne par lecture) va sur la sortie standard ; journaux et erreurs sur la sortie d'erreur."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--listen", metavar="HÔTE:PORT", help="écouter en SMTP, ex. 0.0.0.0:25")
        parser.add_argument(
            "--maildir", type=Path, help="dossier Maildir où arrivent les retours (lus, puis supprimés)"
        )
        parser.add_argument("--every", type=float, default=0, help="relire la Maildir toutes les N secondes")

    def handle(self, *args: Any, **options: Any) -> None:
        if bool(options["listen"]) == bool(options["maildir"]):
            raise CommandError("Indiquez soit --listen HÔTE:PORT, soit --maildir DOSSIER.")
        stop = threading.Event()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        if options["listen"]:
            host, _, port = options["listen"].rpartition(":")
            controller = listener_start(host=host or "127.0.0.1", port=int(port))
            logger.info("écoute des retours en SMTP sur %s:%s", host, port)  # a log, not a report
            stop.wait()
            controller.stop()
            return
        maildir: Path = options["maildir"]
        if not (maildir / "new").is_dir():
            raise CommandError(f"{maildir} n'est pas une boîte Maildir (pas de sous-dossier new/).")
        while True:
            self.stdout.write(report_line(maildir, self.read(maildir)))
            if not options["every"] or stop.wait(options["every"]):
                return

    def read(self, maildir: Path) -> Counter[BounceOutcome]:
        try:
            return maildir_process(maildir)
        except (DatabaseError, OSError) as error:
            raise CommandError(
                f"Lecture de {maildir} interrompue ({type(error).__name__} : {error}) : les messages non lus restent "
                "dans la Maildir pour la prochaine lecture."
            ) from error
