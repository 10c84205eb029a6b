"""R-DLV5: the worker asks the feeders (a campaign's notices) for a batch only when the notifications lane runs
low, hands each the same `now` and the batch size, and a failing feeder holds back neither the others nor the
mail."""

import threading
from datetime import datetime, timedelta

import pytest

from moncompte.core import clock
from moncompte.outbox import worker
from moncompte.outbox.models import EmailStatus, OutboundEmail
from moncompte.outbox.worker import FEED_BATCH, feeders_run
from tests.outbox.test_delivery import queue_code_email
from tests.outbox.test_exactly_once import Recording
from tests.outbox.test_lanes import notifications_queued

pytestmark = pytest.mark.django_db
LOW_WATER = 3


class Feeder:
    def __init__(self, name: str, *, takes: int = 0, fails: bool = False) -> None:
        self.__name__, self.takes, self.fails = name, takes, fails
        self.asked: list[tuple[datetime, int]] = []

    def __call__(self, *, now: datetime, limit: int) -> int:
        self.asked.append((now, limit))
        if self.fails:
            raise RuntimeError("base indisponible")
        return self.takes


@pytest.fixture(autouse=True)
def low_water(monkeypatch):
    monkeypatch.setattr(worker, "FEED_LOW_WATER", LOW_WATER)


def test_below_the_low_water_mark_every_feeder_is_asked_for_a_batch_and_what_they_took_is_summed(now, traveller):
    notifications_queued(LOW_WATER - 1, now=now)
    first, second = Feeder("first", takes=FEED_BATCH), Feeder("second", takes=7)
    assert feeders_run([first, second]) == FEED_BATCH + 7
    assert first.asked == second.asked == [(clock.now(), FEED_BATCH)]


def test_at_the_low_water_mark_nobody_is_asked(now, traveller):
    notifications_queued(LOW_WATER, now=now)
    feeder = Feeder("feeder", takes=5)
    assert feeders_run([feeder]) == 0
    assert feeder.asked == []


def test_notifications_not_yet_due_do_not_count_as_queued(now, traveller):
    notifications_queued(LOW_WATER, now=now + timedelta(minutes=1))  # waiting for their provider's slot
    feeder = Feeder("feeder", takes=5)
    assert feeders_run([feeder]) == 5


def test_notifications_already_sent_do_not_count_as_queued(now, traveller):
    notifications_queued(LOW_WATER, now=now)
    OutboundEmail.objects.update(status=EmailStatus.SENT)
    assert feeders_run([Feeder("feeder", takes=5)]) == 5


def test_codes_and_links_queued_in_the_first_lane_do_not_count_as_notifications(now, traveller):
    for n in range(LOW_WATER):
        queue_code_email(now, to=f"p{n}@example.fr")
    assert feeders_run([Feeder("feeder", takes=5)]) == 5


def test_a_failing_feeder_is_logged_and_the_others_still_feed(now, traveller, caplog):
    failing, after = Feeder("campaign_notices", fails=True), Feeder("after", takes=2)
    assert feeders_run([failing, after]) == 2
    assert len(after.asked) == 1
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == [
        "alimentation campaign_notices en échec ; nouvel essai au prochain tour"
    ]


def test_without_feeders_nothing_is_taken(now, traveller):
    assert feeders_run([]) == 0


@pytest.mark.django_db(transaction=True)
def test_the_worker_asks_the_feeders_it_is_handed_before_sending(now):
    email = queue_code_email(now)
    feeder, stop = Feeder("campaign_notices"), threading.Event()
    transport = Recording(then=stop)  # the first message sent stops the worker after its round
    worker.run(stop=stop, transport=transport, feeders=[feeder])
    email.refresh_from_db()
    assert (email.status, len(transport.sent)) == (EmailStatus.SENT, 1)
    assert [limit for _, limit in feeder.asked] == [FEED_BATCH]
