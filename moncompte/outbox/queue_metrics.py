"""R-DLV4: the mail queue as Prometheus sees it, read from the database at each scrape (one query), so
that every process reports the same truth."""

from collections.abc import Iterator

from django.db.models import Count, Min
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from moncompte.core import clock
from moncompte.outbox.models import EmailStatus, OutboundEmail


class OutboxCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        pending = OutboundEmail.objects.filter(status=EmailStatus.PENDING).aggregate(
            count=Count("id"), oldest=Min("created_at")
        )
        oldest = pending["oldest"]
        age = (clock.now() - oldest).total_seconds() if oldest else 0.0
        yield GaugeMetricFamily("moncompte_outbox_pending", "Courriels en attente d'envoi", value=pending["count"])
        yield GaugeMetricFamily(
            "moncompte_outbox_oldest_pending_seconds", "Âge du plus ancien courriel en attente", value=age
        )
