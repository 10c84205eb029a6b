"""R-MSG5, R-DLV4, R-DLV5: a campaign's notifications are queued in one go, in the notifications lane, each
counted for the funnel under its template and its recipient's provider, once the transaction commits."""

import pytest
from django.db import transaction

from moncompte.core import metrics
from moncompte.outbox.mail import Outgoing, enqueue, enqueue_many
from moncompte.outbox.models import Lane, OutboundEmail

pytestmark = pytest.mark.django_db(transaction=True)
CONTEXT = {"first_name": "Alix", "last_name": "DURAND", "promotional": False}


def enqueued(provider: str) -> float:
    value: float = metrics.emails_enqueued.labels("message_notice", provider)._value.get()
    return value


def test_a_campaign_s_notifications_are_counted_per_provider_once_committed_R_DLV4(now):
    before = {provider: enqueued(provider) for provider in ("gmail", "orange", "autres")}
    addresses = ["a@gmail.com", "b@googlemail.com", "c@gmail.com", "d@wanadoo.fr"]
    with transaction.atomic():
        queued = enqueue_many(
            template="message_notice",
            outgoing=(Outgoing(a, CONTEXT) for a in addresses),
            now=now,
            lane=Lane.NOTIFICATIONS,
        )
        assert enqueued("gmail") == before["gmail"]  # not before the rows are kept
    assert queued == 4
    assert enqueued("gmail") == before["gmail"] + 3
    assert enqueued("orange") == before["orange"] + 1
    assert enqueued("autres") == before["autres"]
    rows = OutboundEmail.objects.order_by("id")
    assert sorted(rows.values_list("to_address", flat=True)) == sorted(addresses)
    assert set(rows.values_list("lane", "next_attempt_at")) == {(Lane.NOTIFICATIONS, now)}


def test_an_empty_campaign_queues_nothing(now):
    assert enqueue_many(template="message_notice", outgoing=iter([]), now=now, lane=Lane.NOTIFICATIONS) == 0
    assert not OutboundEmail.objects.exists()


def test_a_single_email_is_counted_under_its_template_and_provider_once_committed_R_DLV4(now):
    before = metrics.emails_enqueued.labels("provisional_code", "orange")._value.get()
    with transaction.atomic():
        enqueue(
            template="provisional_code",
            to="camille@orange.fr",
            now=now,
            context={"first_name": "Camille", "last_name": "DURAND", "expires_at": now, "validity": "30 minutes"},
            secret_context={"code": "Ab3dEf7hJk"},
        )
    assert metrics.emails_enqueued.labels("provisional_code", "orange")._value.get() == before + 1
