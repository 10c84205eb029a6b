"""What "the service is out for a moment" is (R-A11Y6, R-API1): a store every request needs refused, dropped or
timed out the connection. The database (a lock wait or a deadlock too), and Redis when REDIS_URL is set: it
holds the sessions and the limits, so no page can be answered rightly without it. Pages answer 503 with
Retry-After, and the API a `service_unavailable` problem: the service is out, not broken. A Redis that refuses
writes is out too."""

import contextvars
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import InterfaceError, OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ExecAbortError, OutOfMemoryError, ReadOnlyError
from redis.exceptions import TimeoutError as RedisTimeoutError

SERVICE_OUT: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    RedisConnectionError,
    RedisTimeoutError,
    # A Redis that answers but stores nothing: its memory full (OOM, and the MULTI it aborts), or a replica left
    # read-only by a failover.
    OutOfMemoryError,
    ExecAbortError,
    ReadOnlyError,
)

logger = logging.getLogger(__name__)


def cause_of(error: BaseException) -> str:
    """`Type (first line of its message)`, for one log line: never a traceback nor what was sent."""
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__} ({lines[0][:200] if lines else ''})"


def outage_logged(error: BaseException, *, answered: str = "formulaire gardé") -> bool:
    """A store out while a request was served, answered by a 503 (R-A11Y6, R-API1): one warning line naming the
    cause, for the operators (the answer itself says only « indisponible »), never what was sent nor a traceback
    per request. True, so that a view writes `out = outage_logged(error)`. What the request registered to take
    back if out (take_back_if_out) is taken back."""
    logger.warning("service indisponible, %s : %s", answered, cause_of(error))
    outage_take_back()
    return True


# What a request has committed and takes back if the service goes out before it answers: the provisional code
# used up by a sign-in whose session Redis could not keep (F1: the person would find « Ce code provisoire a déjà
# servi » on retrying, and « Code oublié ? » the only way on). Per request (web/middleware.request_id).
_take_back: contextvars.ContextVar[list[Callable[[], object]] | None] = contextvars.ContextVar(
    "outage_take_back", default=None
)


@contextmanager
def take_backs_kept() -> Iterator[None]:
    """The scope of one request for `take_back_if_out`: what it registers is forgotten at its end."""
    token = _take_back.set([])
    try:
        yield
    finally:
        _take_back.reset(token)


def take_back_if_out(action: Callable[[], object]) -> None:
    """Runs `action` if this request ends in an outage (outage_logged, or the 503 of web/views/errors.py)."""
    actions = _take_back.get()
    if actions is not None:
        actions.append(action)


def outage_take_back() -> None:
    """Runs what this request registered, last first, once each; one failing (the database out too) is logged
    and does not stop the others."""
    actions = _take_back.get() or []
    while actions:
        action = actions.pop()
        try:
            action()
        except Exception:
            logger.exception("service indisponible : une écriture de la requête n'a pas pu être reprise")


def store_out(error: BaseException) -> bool:
    """Whether `error` is a store that refused, dropped or did not answer its connection, rather than a statement
    of ours that failed on a store that answers (a deadlock, a lock or statement timeout: PostgreSQL names those
    by a code of their own, outside the connection's classes 08 and 57P). Redis's are all the store."""
    if not isinstance(error, OperationalError | InterfaceError):
        return True
    code = getattr(error.__cause__, "sqlstate", None)
    return code is None or code.startswith(("08", "57P"))


class OutageLineFilter(logging.Filter):
    """Django logs every answer of 500 and above at ERROR, with the whole traceback when an exception caused it:
    during an outage, some 70 lines a request, for a state of the service and not a fault of its code (F8). On
    `django.request`, a 503 is one warning line: with its cause when a store out reached the 503 page
    (web/views/errors.server_error), no traceback; a page that kept its form logged its cause already
    (outage_logged, just before). A statement of ours that failed on a database that answers (a deadlock, a
    timeout: also answered 503) keeps ERROR and its traceback: it may be a fault of the code."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) != 503:
            return True
        error = record.exc_info[1] if record.exc_info else None
        if error is not None and not (isinstance(error, SERVICE_OUT) and store_out(error)):
            return True
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        if error is not None:
            record.msg = f"{record.msg} (service indisponible : %s)"
            record.args = (*(record.args or ()), cause_of(error))
            record.exc_info, record.exc_text = None, None
        return True
