"""What "the service is out for a moment" is (R-A11Y6, R-API1): a store every request needs refused, dropped or
timed out the connection. The database (a lock wait or a deadlock too), and Redis when REDIS_URL is set: it
holds the sessions and the limits, so no page can be answered rightly without it. Pages answer 503 with
Retry-After, and the API a `service_unavailable` problem: the service is out, not broken. A Redis that refuses
writes is out too."""

import logging

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


def outage_logged(error: BaseException, *, answered: str = "formulaire gardé") -> bool:
    """A store out while a request was served, answered by a 503 (R-A11Y6, R-API1): one warning line naming the
    cause, for the operators (the answer itself says only « indisponible »), never what was sent nor a traceback
    per request. True, so that a view writes `out = outage_logged(error)`."""
    cause = str(error).strip().splitlines()
    logger.warning(
        "service indisponible, %s : %s (%s)", answered, type(error).__name__, cause[0][:200] if cause else ""
    )
    return True
