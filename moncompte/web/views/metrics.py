"""R-DLV4: /metrics for Prometheus, never public: answered only to the internal networks of the settings, or
to a request carrying the configured token; everyone else gets the site's 404."""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from moncompte.defence.collector import AttackModeCollector
from moncompte.outbox.queue_metrics import OutboxCollector
from moncompte.web.health import ReadinessCollector
from moncompte.web.internal_callers import internal_caller


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
    queue.register(OutboxCollector())
    queue.register(AttackModeCollector())  # R-BOT1

    queue.register(ReadinessCollector())
    return HttpResponse(generate_latest(counted) + generate_latest(queue), content_type=CONTENT_TYPE_LATEST)
