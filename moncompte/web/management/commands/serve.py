import os
import re
from argparse import ArgumentParser
from typing import Any

import gunicorn.http.wsgi
from django.conf import settings
from django.core.management.base import BaseCommand
from django.core.wsgi import get_wsgi_application
from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from moncompte.accounts import passwords


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return get_wsgi_application()


TOKEN_IN_PATH = re.compile(r"/email/[^/ ?]+")


def redacted(text: str) -> str:
    return TOKEN_IN_PATH.sub("/email/[jeton]", text)


class RedactingLogger(Logger):
    """The access log never holds a link token (R-SEC3): /email/<token>/ is written /email/[jeton]/. Health
    checks, called every few seconds by load balancers, are not written at all."""

    def access(self, resp: Any, req: Any, environ: Any, request_time: Any) -> None:
        if not str(environ.get("PATH_INFO", "")).startswith("/sante/"):
            super().access(resp, req, environ, request_time)

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for name in ("r", "U", "{raw_uri}e"):
            if isinstance(atoms.get(name), str):
                atoms[name] = redacted(atoms[name])
        atoms["q"] = ""  # no query string either
        return atoms


class Command(BaseCommand):
    help = "Serveur de production (gunicorn, plusieurs processus, fichiers statiques compris)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000")
        # Argon2id makes the work CPU-bound: one process per core and one more measured best (bench/journey_bench).
        parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) + 1)
        parser.add_argument("--threads", type=int, default=1)
        parser.add_argument("--access-log", action="store_true", help="journal des requêtes sur la sortie")

    def handle(self, *args: Any, **options: Any) -> None:
        gunicorn.http.wsgi.SERVER = "moncompte"  # the Server header names no software nor version
        _Gunicorn(
            {
                "bind": options["bind"],
                "workers": options["workers"],
                "threads": options["threads"],
                "accesslog": "-" if options["access_log"] else None,
                "logger_class": RedactingLogger,
                # Each worker imports the code itself: SIGHUP (systemctl reload) then starts workers running the
                # code and settings installed now, and lets the old ones finish their requests (no downtime).
                "preload_app": False,
                "timeout": 30,
                "worker_exit": lambda server, worker: passwords.cpu_report(),
                "graceful_timeout": 20,
                # Several servers may share a machine (a benchmark beside a demo): no shared control socket.
                "control_socket_disable": True,
                # HTTPS is what the reverse proxy says (X-Forwarded-Proto), from the proxies the limits trust.
                "forwarded_allow_ips": os.environ.get("FORWARDED_ALLOW_IPS")
                or ",".join(str(network) for network in settings.TRUSTED_PROXIES)
                or "127.0.0.1",
            }
        ).run()
