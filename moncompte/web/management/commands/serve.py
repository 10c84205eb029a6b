import os
import sys
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

# gunicorn's default access line, less %(t)s: the JSON entry carries the time, in UTC.
JSON_ACCESS_FORMAT = '%(h)s %(l)s %(u)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"'


class Command(BaseCommand):
    help = "Serveur de production (gunicorn, plusieurs processus, fichiers statiques compris)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000")
        # Argon2id makes the work CPU-bound: one process per core and one more measured best (bench/journey_bench).
        parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) + 1)
        parser.add_argument("--threads", type=int, default=1)
        parser.add_argument("--access-log", action="store_true", help="journal des requêtes sur la sortie")

    def handle(self, *args: Any, **options: Any) -> None:
        # HTTPS is what the reverse proxy says (X-Forwarded-Proto), from the proxies the limits trust.
        proxies = settings.FORWARDED_ALLOW_IPS or ",".join(map(str, settings.TRUSTED_PROXIES)) or "127.0.0.1"
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "moncompte.config.wsgi:application",
            "--config=python:moncompte.web.gunicorn_conf",
            f"--bind={options['bind']}",
            f"--workers={options['workers']}",
            f"--threads={options['threads']}",
            f"--forwarded-allow-ips={proxies}",
        ]
        if options["access_log"]:
            command.append("--access-logfile=-")
        if settings.LOG_FORMAT == "json":
            # gunicorn's own lines as JSON too, in UTC; the access line without its local time (the entry has one).
            command.append("--logger-class=moncompte.web.gunicorn_conf.JsonLogger")
            command.append(f"--access-logformat={JSON_ACCESS_FORMAT}")
        sys.stdout.flush()
        sys.stderr.flush()
        # This process becomes the gunicorn master (same pid, for systemd and SIGHUP), without the application
        # loaded: see moncompte/web/gunicorn_conf.py.
        os.execv(sys.executable, command)  # noqa: S606 - our own interpreter, fixed arguments
