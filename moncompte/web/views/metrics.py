"""R-DLV4: /metrics for Prometheus, never public: answered only to the internal networks of the settings, or
to a request carrying the configured token; everyone else gets the site's 404. R-OPS2: a database that does not
answer leaves out the series read from it, never the page (moncompte_ready{check="base"} says it is out)."""

import logging
from collections.abc import Iterator

from django.conf import settings
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from moncompte.defence.collector import AttackModeCollector
from moncompte.outbox.queue_metrics import OutboxCollector
from moncompte.web.health import ReadinessCollector
from moncompte.web.internal_callers import internal_caller

logger = logging.getLogger("moncompte.metrics")


class FromDatabase(Collector):
    """The series read from the database (the mail queue, attack mode), all or none: when the database does not
    answer, the scrape still serves the processes' counters and the readiness gauges, which say it is out."""

    def __init__(self, *collectors: Collector) -> None:
        self.collectors = collectors

    def collect(self) -> Iterator[Metric]:
        try:
            families = [family for collector in self.collectors for family in collector.collect()]
        except DatabaseError as error:  # Django drops the broken connection at the end of the request
            logger.warning("métriques : base injoignable, séries de la base omises : %s", type(error).__name__)
            return
        yield from families


@require_safe
def metrics_page(request: HttpRequest) -> HttpResponse:
    if not internal_caller(request):
        raise Http404("Page introuvable.")
    if settings.PROMETHEUS_MULTIPROC_DIR:
        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)
    else:
        counted = REGISTRY
    queue = CollectorRegistry()
    queue.register(FromDatabase(OutboxCollector(), AttackModeCollector()))  # R-BOT1 for the attack mode
    queue.register(ReadinessCollector())
    return HttpResponse(generate_latest(counted) + generate_latest(queue), content_type=CONTENT_TYPE_LATEST)
