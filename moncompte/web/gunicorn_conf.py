"""gunicorn's configuration for `moncompte serve`.

The gunicorn master runs this module and nothing of the application: each worker imports Django and the code
itself. So SIGHUP (systemctl reload) starts workers on the code and settings installed now, while the old
ones finish their requests; a master that had imported the application would fork workers from its old copy.
Imports here stay limited to gunicorn and the standard library (and moncompte.core.request_context's JSON
formatter, itself the standard library only).
"""

import re
from typing import Any

import gunicorn.http.wsgi
from gunicorn.glogging import Logger

gunicorn.http.wsgi.SERVER = "moncompte"  # the Server header names no software nor version
preload_app = False
timeout = 30
graceful_timeout = 20
# Several servers may share a machine (a benchmark beside a demo): no shared control socket.
control_socket_disable = True
logger_class = "moncompte.web.gunicorn_conf.RedactingLogger"

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


class JsonLogger(RedactingLogger):
    """MONCOMPTE_LOG_FORMAT=json (`moncompte serve` chooses this class then): gunicorn's lines, the master's and
    the access log included, are JSON objects like the application's, with the time in UTC."""

    def setup(self, cfg: Any) -> None:
        from moncompte.core.request_context import JsonFormatter

        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(JsonFormatter())


def worker_exit(server: Any, worker: Any) -> None:
    """Each worker says how much CPU Argon2id took it (bench/journey_bench.py reads it)."""
    from moncompte.accounts import passwords  # in the worker, where the application is loaded

    passwords.cpu_report()


def child_exit(server: Any, worker: Any) -> None:
    """A worker that ended (killed on a timeout included) leaves no request in flight (R-DLV4): its files of
    live gauges are dropped. Runs in the master: prometheus_client only, imported here, never the application."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
