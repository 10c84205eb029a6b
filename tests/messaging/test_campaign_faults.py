"""Issue 24's faults mid-campaign (R-MSG5, R-DLV1, R-DLV5): a campaign's notifications sent by real
`moncompte worker` processes to a relay that keeps each message before it answers (so a copy sent twice
shows), while the workers' database is cut (PostgreSQL, through a cable the test cuts). Every person posted to
gets a notification, none is lost, and a second copy exists only where a send was interrupted between the relay
taking the message and the outcome being written (R-DLV1's one window), with the same Message-ID. Workers killed
mid-campaign: tests/messaging/test_campaign.py. Sized for CI (seconds); bench/campaign.py measures the speed."""

import time
from pathlib import Path

import pytest
from django.db import connection

from moncompte.core import clock
from moncompte.messaging.campaign import campaign_post
from moncompte.messaging.models import Message
from moncompte.outbox.models import AttemptOutcome, DeliveryAttempt, EmailStatus, OutboundEmail
from tests.messaging.helpers import people
from tests.messaging.test_campaign import CLI, LETTER, csv_of
from tests.outbox.faults import DatabaseCable, Workers, database_url, slow_sink_start, tally

pytestmark = pytest.mark.django_db(transaction=True)
PEOPLE = 120
NOTICE = "message_notice"


@pytest.fixture
def workers_log(tmp_path: Path) -> Path:
    log = tmp_path / "workers.log"
    log.touch()
    return log


def campaign_posted(tmp_path: Path) -> None:
    run = campaign_post(path=csv_of(tmp_path, people(PEOPLE)), letter=LETTER, batch_size=40, client=CLI, now=clock.now)
    assert run.counts == {"posted": PEOPLE}


def wait_until_every_notice_is_sent(*, seconds: float, log: Path) -> None:
    """Until each person's notice is in the outbox (the workers queue them as their lane runs low) and sent."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        notices = OutboundEmail.objects.filter(template=NOTICE)
        if notices.count() == PEOPLE and not notices.exclude(status=EmailStatus.SENT).exists():
            return
        time.sleep(0.2)
    raise AssertionError(f"{sent()} of {PEOPLE} notices sent after {seconds} s\n{log.read_text()[-3000:]}")


def sent() -> int:
    return OutboundEmail.objects.filter(template=NOTICE, status=EmailStatus.SENT).count()


def sending_started(log: Path) -> None:
    """Once the workers have sent the campaign's first ten notices (they take about a second to start)."""
    deadline = time.monotonic() + 30
    while sent() < 10:
        assert time.monotonic() < deadline, log.read_text()[-3000:]
        time.sleep(0.05)


def addresses_posted_to() -> list[str]:
    return sorted({message.account.code_email for message in Message.objects.select_related("account")})


def every_notice_arrived_copies_only_from_interrupted_sends(tmp_path: Path) -> str:
    result = tally(tmp_path / "mailbox", addresses_posted_to())
    interrupted = DeliveryAttempt.objects.filter(outcome=AttemptOutcome.UNKNOWN).count()
    assert result.queued == PEOPLE
    assert result.lost == []
    assert result.split_message_ids == []  # a second copy is the same message, recognisable as such
    assert result.duplicates <= interrupted
    return f"{result}, {interrupted} envoi(s) interrompu(s)"


@pytest.mark.postgresql
def test_the_database_cut_mid_campaign_loses_no_notice_and_the_sending_resumes_R_MSG5_R_DLV1(tmp_path, workers_log):
    campaign_posted(tmp_path)
    sink = slow_sink_start(tmp_path / "mailbox", delay=0.05)
    settings = connection.settings_dict
    cable = DatabaseCable(host=settings["HOST"] or "127.0.0.1", port=int(settings["PORT"] or 5432))
    workers = Workers.start(2, db_url=database_url(through=cable), smtp_port=sink.port, log=workers_log)
    try:
        sending_started(workers_log)
        cable.cut()  # mid-campaign: notices queued, some sent, some in the middle of an exchange
        time.sleep(3)
        sent_while_cut = sent()
        cable.mend()
        wait_until_every_notice_is_sent(seconds=90, log=workers_log)
    finally:
        workers.terminate()
        sink.stop()
        cable.close()
    assert sent_while_cut < PEOPLE  # the cut landed before the end of the campaign
    assert "base indisponible" in workers_log.read_text()
    print(f"campagne, base coupée 3 s : {every_notice_arrived_copies_only_from_interrupted_sends(tmp_path)}")
