"""R-DLV4: the mail queue as Prometheus sees it, read from the database at each scrape (one query), so
that every process reports the same truth. Per lane (R-DLV5): a campaign's notifications may wait hours by
design, while a code waiting ten minutes is an incident."""

from collections.abc import Iterator
from datetime import datetime

from django.db.models import Count, Min
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from moncompte.core import clock
from moncompte.outbox.models import EmailStatus, Lane, OutboundEmail

LANE_LABELS = {Lane.FIRST: "codes_liens", Lane.NOTIFICATIONS: "notifications"}


class OutboxCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        rows = OutboundEmail.objects.filter(status=EmailStatus.PENDING).values("lane").order_by("lane")
        by_lane: dict[int, tuple[int, datetime | None]] = {
            lane: (count, oldest)
            for lane, count, oldest in rows.annotate(count=Count("id"), oldest=Min("created_at")).values_list(
                "lane", "count", "oldest"
            )
        }
        pending = GaugeMetricFamily("moncompte_outbox_pending", "Courriels en attente d'envoi", labels=["lane"])
        age = GaugeMetricFamily(
            "moncompte_outbox_oldest_pending_seconds", "Âge du plus ancien courriel en attente", labels=["lane"]
        )
        now = clock.now()
        for lane, label in LANE_LABELS.items():
            count, oldest = by_lane.get(lane, (0, None))
            pending.add_metric([label], count)
            age.add_metric([label], (now - oldest).total_seconds() if oldest else 0.0)
        yield pending
        yield age
