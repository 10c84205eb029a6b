"""R-DLV4, R-DLV5: the queue as Prometheus reads it, per lane, from the database: how many emails wait and how
long the oldest has waited; sent and given-up emails are not waiting."""

from datetime import timedelta

import pytest

from moncompte.outbox.models import EmailStatus, Lane, OutboundEmail
from moncompte.outbox.queue_metrics import OutboxCollector
from tests.outbox.test_delivery import queue_code_email
from tests.outbox.test_lanes import notifications_queued

pytestmark = pytest.mark.django_db


def scraped() -> dict[tuple[str, str], float | str]:
    """Each sample as (metric name, lane) → value, and each family's help text under (name, "help")."""
    values: dict[tuple[str, str], float | str] = {}
    for family in OutboxCollector().collect():
        values[(family.name, "help")] = family.documentation
        for sample in family.samples:
            assert sample.name == family.name
            values[(sample.name, sample.labels["lane"])] = sample.value
    return values


def test_each_lane_shows_its_waiting_emails_and_the_age_of_its_oldest_R_DLV4_R_DLV5(now, traveller):
    notifications_queued(3, now=now - timedelta(hours=2))
    queue_code_email(now - timedelta(minutes=5), to="oldest@example.fr")
    queue_code_email(now, to="newest@example.fr")
    assert scraped() == {
        ("moncompte_outbox_pending", "help"): "Courriels en attente d'envoi",
        ("moncompte_outbox_pending", "codes_liens"): 2.0,
        ("moncompte_outbox_pending", "notifications"): 3.0,
        ("moncompte_outbox_oldest_pending_seconds", "help"): "Âge du plus ancien courriel en attente",
        ("moncompte_outbox_oldest_pending_seconds", "codes_liens"): 300.0,
        ("moncompte_outbox_oldest_pending_seconds", "notifications"): 7200.0,
    }


def test_sent_and_given_up_emails_are_not_waiting_and_an_empty_lane_shows_zero_R_DLV4(now, traveller):
    sent = queue_code_email(now - timedelta(hours=1), to="sent@example.fr")
    failed = queue_code_email(now - timedelta(hours=1), to="failed@example.fr")
    OutboundEmail.objects.filter(pk=sent.pk).update(status=EmailStatus.SENT)
    OutboundEmail.objects.filter(pk=failed.pk).update(status=EmailStatus.FAILED)
    queue_code_email(now - timedelta(seconds=30))
    values = scraped()
    assert values[("moncompte_outbox_pending", "codes_liens")] == 1.0
    assert values[("moncompte_outbox_oldest_pending_seconds", "codes_liens")] == 30.0
    assert values[("moncompte_outbox_pending", "notifications")] == 0.0
    assert values[("moncompte_outbox_oldest_pending_seconds", "notifications")] == 0.0
    assert not OutboundEmail.objects.filter(lane=Lane.NOTIFICATIONS).exists()
