"""R-MSG5, R-DLV5: the notifications of messages posted in bulk are decided after the posting, a batch at a time,
by the workers as their notifications lane runs low: one email per person, none for a message already read, none
lost or queued twice."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction

from moncompte.accounts.consents import latest_records
from moncompte.accounts.models import Account, ConsentChannel, ConsentRecord
from moncompte.core import clock
from moncompte.messaging.models import Message, MessageKind, NoticeDue
from moncompte.messaging.notify import notices_queue
from moncompte.messaging.post import LetterText, letters_post
from moncompte.messaging.unsubscribe import email_consent_withdraw, unsubscribe_token
from moncompte.outbox import worker
from moncompte.outbox.models import EmailStatus, Lane, OutboundEmail
from moncompte.outbox.transport import SmtpTransport
from moncompte.web.management.periodic_jobs import FEEDERS
from tests.helpers import NOW
from tests.messaging.helpers import SERVICE, people, stored

LETTER = LetterText("Votre bilan de prévention", "Bonjour,\nprenez rendez-vous.", "Assurance Maladie")


def posted_to(count: int, letter: LetterText = LETTER, *, now=NOW) -> list[int]:
    people(count)
    accounts = list(Account.objects.order_by("pk").values_list("pk", flat=True))
    letters_post(account_ids=accounts, letter=stored(letter), client=SERVICE, now=now)
    return accounts


def notices() -> list[OutboundEmail]:
    return list(OutboundEmail.objects.filter(template="message_notice").order_by("id"))


def notified() -> list[int]:
    accounts = OutboundEmail.objects.filter(template="message_notice").values_list("account_id", flat=True)
    return sorted(account for account in accounts if account is not None)


@pytest.mark.django_db
def test_two_messages_posted_before_their_notices_are_decided_send_one_email_per_person_R_MSG5():
    accounts = posted_to(3)
    letters_post(account_ids=accounts, letter=stored(LETTER), client=SERVICE, now=NOW + timedelta(minutes=1))
    assert notices() == []  # a posting in bulk writes no email
    assert notices_queue(now=NOW + timedelta(minutes=2)) == 6
    assert notified() == accounts
    assert {notice.lane for notice in notices()} == {Lane.NOTIFICATIONS}
    assert not NoticeDue.objects.exists()
    assert notices_queue(now=NOW + timedelta(minutes=3)) == 0


@pytest.mark.django_db
def test_a_message_read_or_deleted_before_its_notice_is_decided_sends_none_R_MSG5():
    read, deleted, waiting = posted_to(3)
    Message.objects.filter(account_id=read).update(read_at=NOW)
    Message.objects.filter(account_id=deleted).update(deleted_at=NOW)
    notices_queue(now=NOW)
    assert [notice.account_id for notice in notices()] == [waiting]


@pytest.mark.django_db
def test_an_unsubscribe_between_the_posting_and_the_notice_is_obeyed_R_MSG6_R_MSG7():
    people(2)
    accounts = list(Account.objects.order_by("pk"))
    for account in accounts:
        ConsentRecord.objects.create(
            account=account, channel=ConsentChannel.EMAIL, granted=True, at=NOW, wording_version="2026-11", source="t"
        )
    decisions = latest_records([account.pk for account in accounts], ConsentChannel.EMAIL)
    promotional = stored(LetterText("Nouveau service", "Découvrez-le.", "Assurance Maladie", MessageKind.PROMOTIONAL))
    letters_post(account_ids=list(decisions), letter=promotional, client=SERVICE, now=NOW, consents=decisions)
    email_consent_withdraw(token=unsubscribe_token(account_id=accounts[0].pk), client=SERVICE, now=NOW)
    notices_queue(now=NOW + timedelta(minutes=1))
    [notice] = notices()
    assert notice.account_id == accounts[1].pk
    assert notice.list_unsubscribe  # R-MSG7: the one left still carries its one-click unsubscribe


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_workers_deciding_two_messages_of_one_person_at_once_send_one_email_R_MSG5():
    [account] = posted_to(1)
    letters_post(account_ids=[account], letter=stored(LETTER), client=SERVICE, now=NOW)
    first, second = Message.objects.order_by("pk").values_list("pk", flat=True)
    holding, release = threading.Event(), threading.Event()

    def first_worker() -> None:
        with transaction.atomic():
            notices_queue(now=NOW, message_ids=[first])
            holding.set()
            release.wait(10)  # its transaction still open while the other decides
        connection.close()

    thread = threading.Thread(target=first_worker)
    thread.start()
    assert holding.wait(10)

    def second_worker() -> None:
        notices_queue(now=NOW, message_ids=[second])
        connection.close()

    other = threading.Thread(target=second_worker)
    other.start()
    time.sleep(0.5)
    assert other.is_alive()  # waiting for this person's box row
    release.set()
    thread.join(10)
    other.join(10)
    assert len(notices()) == 1
    assert not NoticeDue.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_workers_queue_a_campaigns_notifications_a_batch_at_a_time_and_send_each_once_R_DLV5(smtp_sink, monkeypatch):
    controller, maildir = smtp_sink
    monkeypatch.setattr(worker, "FEED_LOW_WATER", 20)
    monkeypatch.setattr(worker, "FEED_BATCH", 30)
    accounts = posted_to(120, now=clock.now())
    stop = threading.Event()
    threads = [
        threading.Thread(
            target=worker.run,
            kwargs={
                "stop": stop,
                "transport": SmtpTransport(host=controller.hostname, port=controller.port),
                "feeders": FEEDERS,
            },
        )
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    deepest, deadline = 0, time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            deepest = max(deepest, OutboundEmail.objects.filter(status=EmailStatus.PENDING).count())
            if OutboundEmail.objects.filter(status=EmailStatus.SENT).count() == len(accounts):
                break
            time.sleep(0.05)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
    assert not NoticeDue.objects.exists()
    assert notified() == accounts  # each person once
    assert {notice.status for notice in notices()} == {EmailStatus.SENT}
    assert len(list((maildir / "new").iterdir())) == len(accounts)
    assert deepest <= 20 + 2 * 30  # the campaign waited in the message box, not in the outbox
