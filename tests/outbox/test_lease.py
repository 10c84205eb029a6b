"""R-DLV1: the heartbeat of a claim, alone: a claim lost is noticed at the next beat, the send under way hung up
once (by a transport that can), and the beats end there."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection

from moncompte.core import clock
from moncompte.outbox.delivery import claim_next
from moncompte.outbox.lease import LeaseKept
from moncompte.outbox.models import OutboundEmail
from tests.outbox.test_delivery import queue_code_email
from tests.outbox.test_outcome_through_outages import WritesRefused

pytestmark = pytest.mark.django_db(transaction=True)
LENGTH = timedelta(seconds=0.2)  # a beat every 0.05 s


class Hangs:
    def __init__(self) -> None:
        self.aborts = 0

    def abort(self) -> None:
        self.aborts += 1


def kept_while_the_claim_is_lost(transport: object) -> LeaseKept:
    queue_code_email(clock.now())
    claimed = claim_next(now=clock.now())
    assert claimed is not None
    kept = LeaseKept(
        email_id=claimed.email.pk,
        claim=claimed.claim,
        lease_until=clock.now() + LENGTH,
        length=LENGTH,
        transport=transport,
    )
    with kept:
        time.sleep(0.12)  # two beats renewed it
        OutboundEmail.objects.filter(pk=claimed.email.pk).update(claim=claimed.claim + 1)  # another worker took it
        time.sleep(0.3)  # six beats more, had they gone on
    return kept


def test_a_lost_claim_hangs_up_the_send_once_and_ends_the_beats_R_DLV1(caplog):
    transport = Hangs()
    kept = kept_while_the_claim_is_lost(transport)
    assert kept.lost
    assert transport.aborts == 1
    assert caplog.messages == [f"courriel {kept.email_id} : prise perdue pendant l'envoi, envoi interrompu"]


def test_a_claim_still_held_is_renewed_at_each_beat_and_never_said_lost_R_DLV1(caplog):
    queue_code_email(clock.now())
    claimed = claim_next(now=clock.now())
    assert claimed is not None
    started = clock.now()
    kept = LeaseKept(
        email_id=claimed.email.pk, claim=claimed.claim, lease_until=started + LENGTH, length=LENGTH, transport=Hangs()
    )
    with kept:
        time.sleep(0.12)  # two beats
    assert not kept.lost
    assert kept.lease_until > started + LENGTH  # the end of the lease as last written, later at each beat
    assert OutboundEmail.objects.get(pk=claimed.email.pk).next_attempt_at == kept.lease_until
    assert caplog.messages == []


def test_a_transport_that_cannot_hang_up_is_left_to_its_own_deadline(monkeypatch):
    failures: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: failures.append(args.exc_value))
    kept = kept_while_the_claim_is_lost(object())
    assert kept.lost
    assert failures == []


def test_a_beat_renews_its_own_email_only_not_another_held_with_the_same_claim_number_R_DLV1():
    queue_code_email(clock.now(), to="camille@example.fr")
    queue_code_email(clock.now(), to="dominique@example.fr")
    mine, other = claim_next(now=clock.now()), claim_next(now=clock.now())
    assert mine is not None
    assert other is not None
    assert mine.claim == other.claim == 1
    kept = LeaseKept(
        email_id=mine.email.pk, claim=mine.claim, lease_until=clock.now() + LENGTH, length=LENGTH, transport=Hangs()
    )
    with kept:
        time.sleep(0.12)  # two beats
    assert kept.lease_until != mine.lease_until
    assert OutboundEmail.objects.get(pk=mine.email.pk).next_attempt_at == kept.lease_until  # renewed
    assert OutboundEmail.objects.get(pk=other.email.pk).next_attempt_at == other.lease_until  # untouched


def held_with_lease_left(left: timedelta, transport: Hangs) -> LeaseKept:
    queue_code_email(clock.now())
    claimed = claim_next(now=clock.now())
    assert claimed is not None
    return LeaseKept(
        email_id=claimed.email.pk,
        claim=claimed.claim,
        lease_until=clock.now() + left,
        length=LENGTH,
        transport=transport,
    )


def test_a_beat_the_database_refuses_keeps_the_send_going_while_the_lease_has_time_left_R_DLV1(caplog):
    """A short outage: the lease written last still holds beyond the next beat, so the send goes on (the
    outcome will be written before that end, or not at all: delivery._complete_despite_outages)."""
    transport = Hangs()
    kept = held_with_lease_left(timedelta(seconds=30), transport)
    before = kept.lease_until
    with connection.execute_wrapper(WritesRefused(times=None)):
        assert kept._renew(every=0.05)
    assert (kept.lease_until, kept.lost, transport.aborts) == (before, False, 0)
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", f"courriel {kept.email_id} : bail non renouvelé (base indisponible)")
    ]


def test_a_beat_the_database_refuses_hangs_up_the_send_when_the_lease_ends_before_the_next_beat_R_DLV1(caplog):
    """After the lease, another worker may claim the message and send it again: the send stops first."""
    transport = Hangs()
    kept = held_with_lease_left(timedelta(seconds=0.04), transport)
    with connection.execute_wrapper(WritesRefused(times=None)):
        assert not kept._renew(every=0.05)
    assert (kept.lost, transport.aborts) == (False, 1)  # not lost to another worker: cut short
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("ERROR", f"courriel {kept.email_id} : bail bientôt expiré sans renouvellement, envoi interrompu")
    ]
