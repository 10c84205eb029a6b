import signal
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from moncompte.accounts.bounce_inbox import listener_start, maildir_process


class Command(BaseCommand):
    help = (
        "Reçoit les avis de non-remise (RFC 3464) et les plaintes (ARF) : en écoutant en SMTP (--listen) "
        "ou en lisant une boîte Maildir (--maildir, une fois, ou toutes les N secondes avec --every)."
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
            self.stdout.write(f"Écoute des retours en SMTP sur {host}:{port}.")
            stop.wait()
            controller.stop()
            return
        maildir: Path = options["maildir"]
        if not (maildir / "new").is_dir():
            raise CommandError(f"{maildir} n'est pas une boîte Maildir (pas de sous-dossier new/).")
        while True:
            outcomes = maildir_process(maildir)
            for outcome, count in outcomes.items():
                self.stdout.write(f"{count} message(s) : {outcome.value}")
            if not options["every"] or stop.wait(options["every"]):
                return
