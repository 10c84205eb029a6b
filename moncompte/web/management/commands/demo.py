import errno
import logging
import socketserver
import sys
import threading
from argparse import ArgumentParser
from dataclasses import replace
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer, get_internal_wsgi_application

from moncompte.core.conf import conf
from moncompte.outbox import worker
from moncompte.outbox.sink import sink_start
from moncompte.outbox.transport import SmtpTransport
from moncompte.registry import demo_data
from moncompte.registry import nir as nir_rules
from moncompte.registry.importer import ImportReport, beneficiaries_import
from moncompte.web.management.periodic_jobs import FEEDERS, PERIODIC_JOBS

logger = logging.getLogger("moncompte.demo")


class DemoServer(socketserver.ThreadingMixIn, WSGIServer):
    """Django's development server, threaded (what `runserver` runs), built before anything else so that the
    port is known to be ours before the demo says it is ready."""

    daemon_threads = True


class Command(BaseCommand):
    help = "Démonstration locale : base SQLite, assurés fictifs, boîte mail locale, envoi en tâche de fond."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000", help="adresse:port du site (127.0.0.1:8000)")
        parser.add_argument("--smtp-port", type=int, default=0, help="port du serveur SMTP local (au hasard)")
        parser.add_argument("--extra-persons", type=int, default=200, help="assurés fictifs générés en plus")

    def handle(self, *args: Any, **options: Any) -> None:
        host, _, port = options["bind"].rpartition(":")
        self._warn_if_public(host)
        server = self._listen(host, int(port))
        call_command("migrate", interactive=False, verbosity=0)
        rows = demo_data.SHOWCASE + demo_data.generated(options["extra_persons"])
        report = beneficiaries_import(source=demo_data.as_csv(rows))
        sink = sink_start(maildir=settings.VAR_DIR / "mailbox", port=options["smtp_port"])
        site_url = f"http://{host}:{port}"
        # Links in emails must point at this demo, wherever it was bound.
        settings.MONCOMPTE = replace(conf(), site_url=site_url)
        # R-MAIL2: mail stays on this machine unless EMAIL_URL says where to send it for real.
        transport = (
            SmtpTransport.from_url(settings.EMAIL_URL)
            if settings.EMAIL_URL
            else SmtpTransport(sink.hostname, sink.port)
        )
        stop = threading.Event()
        delivery = threading.Thread(
            target=worker.run,
            kwargs={"stop": stop, "transport": transport, "periodic_jobs": PERIODIC_JOBS, "feeders": FEEDERS},
            name="outbox-worker",
            daemon=True,
        )
        delivery.start()
        self._welcome(report, site_url=site_url, transport=transport, sink_port=sink.port)
        server.set_app(get_internal_wsgi_application())
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
            stop.set()
            delivery.join(timeout=5)
            sink.stop()

    def _warn_if_public(self, host: str) -> None:
        if host not in ("127.0.0.1", "localhost", "[::1]", "::1"):
            # The local mailbox shows every code and link to whoever reaches the site.
            self.stderr.write(
                self.style.WARNING(
                    f"Attention : la démonstration écoute sur {host}, pas seulement sur cette machine. Toute "
                    "personne qui atteint ce port lit la boîte mail locale, donc tous les codes et liens envoyés."
                )
            )

    def _listen(self, host: str, port: int) -> DemoServer:
        """The site's socket, or one French sentence and exit status 1 when it cannot be had (no traceback)."""
        try:
            return DemoServer((host, port), WSGIRequestHandler)
        except OSError as refused:
            if refused.errno == errno.EADDRINUSE:
                other = port + 1 if port < 65535 else port - 1
                said = (
                    f"Le port {port} est déjà utilisé sur {host} (par une autre démonstration ou un autre "
                    f"programme) : choisissez-en un autre, par exemple ./scripts/demo --bind {host}:{other}"
                )
            else:
                said = (
                    f"Impossible d'écouter sur {host}:{port} ({refused.strerror}) : choisissez une autre adresse "
                    "ou un autre port, par exemple ./scripts/demo --bind 127.0.0.1:8000"
                )
            self.stderr.write(f"moncompte : {said}.")
            sys.exit(1)

    def _welcome(self, report: ImportReport, *, site_url: str, transport: SmtpTransport, sink_port: int) -> None:
        out = self.stdout
        out.write(self.style.SUCCESS("\nmoncompte — démonstration prête"))
        out.write(f"  Base de données : {settings.DATABASES['default']['NAME']}")
        out.write(f"  Assurés fictifs : {report.created} ajoutés, {report.unchanged + report.updated} déjà là")
        out.write("\n  Quelques assurés fictifs pour essayer :")
        out.write(f"  {'N° de sécurité sociale':<24}{'Naissance':<13}{'Code postal':<13}Nom")
        for nir, last, first, birth, postal in demo_data.SHOWCASE:
            day = "/".join(reversed(birth.split("-")))
            out.write(f"  {nir_rules.display(nir_rules.Nir(nir)):<24}{day:<13}{postal:<13}{first} {last}")
        out.write(f"\n  Site :              {site_url}/")
        if settings.EMAIL_URL:
            out.write(f"  Courriels :         envoyés par SMTP à {transport.host}:{transport.port} (EMAIL_URL)")
        else:
            out.write(f"  Boîte mail locale : {site_url}/demo/boite-mail/  (SMTP 127.0.0.1:{sink_port})")
        out.write("  Arrêt : Ctrl+C\n")
