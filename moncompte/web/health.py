"""Health endpoints for load balancers and supervisors (issue 14), answered before every other middleware: no
session, no cookie, no redirect to HTTPS, no line in the access log (`moncompte serve` leaves them out).

- `/sante/` (liveness): the process answers. Nothing else is looked at: a database outage must not get every
  web process restarted.
- `/sante/pret/` (readiness): the database answers, every migration is applied, Redis answers when configured,
  and no email has waited longer than READY_OUTBOX_MAX_AGE for its first attempt (no worker runs).
  200 or 503; what was found, in JSON, for callers of the /metrics networks (or with its token) only.
  The findings are kept one second per process (R-OPS1): whoever reaches the server directly, at any rate,
  costs the database and Redis at most one round of checks per second and process.
"""

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Min
from django.http import HttpRequest, HttpResponse
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from moncompte.core import clock
from moncompte.core.conf import conf
from moncompte.core.request_context import HEALTH_PROBES
from moncompte.outbox.models import EmailStatus, OutboundEmail
from moncompte.web.internal_callers import internal_caller

LIVE = HEALTH_PROBES
READY = "/sante/pret/"
OK = "ok"
_migrated = False  # once every migration is applied, it stays so for this process's code
READY_KEPT_SECONDS = 1.0  # R-OPS1: how old a finding may be when it is told
_kept: tuple[float, dict[str, str]] | None = None  # (time.monotonic() of the checks, their findings)
_checking = threading.Lock()  # one thread of the process checks; the others wait for its findings
_told: dict[str, str] = {}  # each check's last finding logged by this process: a change is logged, once
logger = logging.getLogger("moncompte.health")


def health_checks(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    def middleware(request: HttpRequest) -> HttpResponse:
        if request.path == LIVE:
            return _answer(200, {"vivant": True})
        if request.path == READY:
            found = readiness_recent()
            ready = all(value == OK for value in found.values())
            # What is wrong inside is for the operators (the /metrics networks or token), not for the world.
            said = {"pret": ready, "verifications": found} if internal_caller(request) else {"pret": ready}
            return _answer(200 if ready else 503, said)
        return get_response(request)

    return middleware


def _answer(status: int, body: dict[str, Any]) -> HttpResponse:
    response = HttpResponse(json.dumps(body, ensure_ascii=False), status=status, content_type="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response  # a 503 here is not logged: core.request_context.HealthProbeFilter


def readiness_recent() -> dict[str, str]:
    """R-OPS1: the findings of `readiness`, checked at most once a second in this process (monotonic time:
    a clock set back or forward changes nothing)."""
    global _kept
    with _checking:
        if _kept is None or _seconds() - _kept[0] >= READY_KEPT_SECONDS:
            _kept = (_seconds(), readiness())
        return _kept[1]


def _seconds() -> float:
    return time.monotonic()


def readiness_forget() -> None:
    """The next probe checks again (tests change the database or Redis between two probes)."""
    global _kept
    _kept = None
    _told.clear()


def readiness() -> dict[str, str]:
    """Each check's finding: "ok", or what is wrong, in words for the operator. Never raises, whatever the
    failure (a database error, a setting the driver refuses, a message it cannot decode): it is a finding, a 503
    in JSON, not a server error page. A finding that changes is logged once by the process (the probes
    themselves are not: core.request_context.HealthProbeFilter)."""
    found = {"base": database_finding()}
    if found["base"] == OK:
        for name, check in (("migrations", _migrations), ("courriels", _outbox)):
            try:
                found[name] = check()
            except Exception as error:  # any failure is what the probe reports
                connection.close()
                found[name] = f"erreur : {_said(error)}"
    if settings.REDIS_URL:
        found["redis"] = _redis()
    _log_changes(found)
    return found


def _said(error: BaseException) -> str:
    """The error's kind and the first line of its message (the driver's words: host, database, user; never the
    password), short enough for a JSON answer and one log line."""
    message = str(error).strip().splitlines()
    return f"{type(error).__name__} : {message[0][:200]}" if message else type(error).__name__


def _log_changes(found: dict[str, str]) -> None:
    for name, finding in found.items():
        before = _told.get(name, OK)
        if finding != before:
            if finding == OK:
                logger.info("vérification « %s » : %s", name, finding)
            else:
                logger.warning("vérification « %s » : %s", name, finding)
        _told[name] = finding


class ReadinessCollector(Collector):
    """R-DLV4: what /sante/pret/ would answer, at each scrape, one series per check (1: ok), so that an alert
    sees it without a probe of its own; a check that is not made (Redis not configured) has no series."""

    def collect(self) -> Iterator[Metric]:
        gauge = GaugeMetricFamily(
            "moncompte_ready", "Vérification de /sante/pret/ réussie (1) ou non (0)", labels=["check"]
        )
        for check, finding in readiness().items():
            gauge.add_metric([check], 1.0 if finding == OK else 0.0)
        yield gauge


def database_finding() -> str:
    """The word "ok", or why the database does not answer (`moncompte check --database default` too: web/checks.py)."""
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # any failure is what the probe reports
        connection.close()  # the next check, or request, starts from a new connection
        return f"injoignable : {_said(error)}"
    return OK


def _migrations() -> str:
    global _migrated
    if not _migrated:
        executor = MigrationExecutor(connection)
        missing = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if missing:
            return f"{len(missing)} migration(s) non appliquée(s) : moncompte migrate"
        _migrated = True
    return OK


def _outbox() -> str:
    """Emails nobody has even tried to send, due for longer than the threshold: no worker runs (and requests
    could not send them). Emails in back-off because the relay refuses are a mail problem for the alerts
    (moncompte_outbox_* in /metrics), not a reason to take the site out of the load balancer."""
    limit = conf().ready_outbox_max_age
    oldest = OutboundEmail.objects.filter(status=EmailStatus.PENDING, attempts=0, claim=0).aggregate(
        oldest=Min("next_attempt_at")
    )["oldest"]
    if oldest is not None and clock.now() - oldest > limit:
        minutes = int((clock.now() - oldest).total_seconds() // 60)
        threshold = int(limit.total_seconds() // 60)
        return f"un courriel attend son premier envoi depuis {minutes} min (seuil : {threshold} min)"
    return OK


@cache
def _redis_client() -> Any:
    import redis

    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)


def _redis() -> str:
    import redis

    try:
        # A write, not PING: a Redis whose memory is full, or a replica left read-only, answers PING but keeps
        # no session and no count (core.outage).
        _redis_client().set("moncompte:sante", "1", ex=60)
    except (redis.ConnectionError, redis.TimeoutError) as error:
        return f"injoignable : {type(error).__name__}"
    except redis.RedisError as error:
        return f"refuse d'écrire : {type(error).__name__}"
    return OK
