"""The id of the web request being served, carried to what it causes: every log line of the request, the
emails it enqueues, and the worker's log lines while it delivers them (R-DLV4: one id from the click to the
receiving server's answer)."""

import contextvars
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


def current_request_id() -> str:
    return _request_id.get()


@contextmanager
def request_id_set(value: str) -> Iterator[None]:
    token = _request_id.set(value or "-")
    try:
        yield
    finally:
        _request_id.reset(token)


class RequestIdFilter(logging.Filter):
    """Adds the id of the request being served (or "-") to every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True


HEALTH_PROBES = "/sante/"  # web/health.py answers under it


class HealthProbeFilter(logging.Filter):
    """Keeps Django's "Service Unavailable: /sante/pret/" out of the log: a load balancer probes every few
    seconds, and a 503 there is a state it reads, not an error to log each time."""

    def filter(self, record: logging.LogRecord) -> bool:
        path = getattr(getattr(record, "request", None), "path", "")
        return not (isinstance(path, str) and path.startswith(HEALTH_PROBES))


class JsonFormatter(logging.Formatter):
    """One JSON object per line (MONCOMPTE_LOG_FORMAT=json), for log collectors."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
