import os
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.core.wsgi import get_wsgi_application
from gunicorn.app.base import BaseApplication

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


class Command(BaseCommand):
    help = "Serveur de production (gunicorn, plusieurs processus, fichiers statiques compris)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000")
        # Argon2id makes the work CPU-bound: one process per core and one more measured best (bench/journey_bench).
        parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) + 1)
        parser.add_argument("--threads", type=int, default=1)
        parser.add_argument("--access-log", action="store_true", help="journal des requêtes sur la sortie")

    def handle(self, *args: Any, **options: Any) -> None:
        _Gunicorn(
            {
                "bind": options["bind"],
                "workers": options["workers"],
                "threads": options["threads"],
                "accesslog": "-" if options["access_log"] else None,
                # Django is imported once, then the workers fork: less memory, faster (re)starts.
                "preload_app": True,
                "timeout": 30,
                "worker_exit": lambda server, worker: passwords.cpu_report(),
                "graceful_timeout": 20,
                # Several servers may share a machine (a benchmark beside a demo): no shared control socket.
                "control_socket_disable": True,
                "forwarded_allow_ips": os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
            }
        ).run()
