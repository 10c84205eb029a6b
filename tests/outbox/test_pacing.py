"""R-DLV6: notifications paced per receiving provider, slowed by a 4xx of that provider, never holding back the
other providers nor codes and links; against a real SMTP server that answers 451 for one provider."""

import threading
import time
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction

from moncompte.core import clock
from moncompte.core.conf import Settings
from moncompte.outbox.delivery import claim_next, deliver_due
from moncompte.outbox.mail import Outgoing, enqueue_many
from moncompte.outbox.models import EmailStatus, Lane, OutboundEmail, ProviderPace
from moncompte.outbox.pacing import slot_start
from moncompte.outbox.sink import free_port
from moncompte.outbox.transport import SmtpTransport
from tests.outbox.test_delivery import queue_code_email

pytestmark = pytest.mark.django_db
CONTEXT = {"first_name": "Alix", "last_name": "DURAND", "promotional": False}


@pytest.fixture
def gmail_at_5_per_second(settings):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, outbox_pacing=("gmail=5",))


def notifications_to(*addresses: str, now) -> None:
    outgoing = [Outgoing(address, CONTEXT) for address in addresses]
    enqueue_many(template="message_notice", outgoing=outgoing, now=now, lane=Lane.NOTIFICATIONS)


def claimed_now() -> list[str]:
    taken = []
    while (claimed := claim_next(now=clock.now())) is not None:
        taken.append(claimed.email.to_address)
    return taken


@pytest.mark.usefixtures("gmail_at_5_per_second")
def test_a_paced_providers_notifications_get_slots_at_its_rate_the_others_leave_at_once_R_DLV6(now, traveller):
    notifications_to("a@gmail.com", "b@gmail.com", "x@example.fr", "c@gmail.com", "y@orange.fr", now=now)
    assert claimed_now() == ["a@gmail.com", "x@example.fr", "y@orange.fr"]
    waiting = OutboundEmail.objects.filter(status=EmailStatus.PENDING, to_address__in=["b@gmail.com", "c@gmail.com"])
    assert sorted(email.next_attempt_at - now for email in waiting) == [timedelta(seconds=0.2), timedelta(seconds=0.4)]
    traveller.shift(timedelta(seconds=0.2))
    assert claimed_now() == ["b@gmail.com"]
    traveller.shift(timedelta(seconds=0.2))
    assert claimed_now() == ["c@gmail.com"]


@pytest.mark.usefixtures("gmail_at_5_per_second")
def test_codes_and_links_are_never_paced_R_DLV6(now, traveller):
    for n in range(3):
        queue_code_email(now, to=f"p{n}@gmail.com")
    assert claimed_now() == ["p0@gmail.com", "p1@gmail.com", "p2@gmail.com"]
    assert not ProviderPace.objects.exists()


class RefusingOneProvider:
    """A relay that keeps nothing and answers 451 to every recipient at gmail.com, 250 to the others."""

    def __init__(self) -> None:
        self.accepted: list[str] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address.endswith("@gmail.com"):
            return "451 4.7.1 Trop de messages, réessayez plus tard"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.accepted += envelope.rcpt_tos
        return "250 OK"


@pytest.fixture
def relay():
    handler = RefusingOneProvider()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, handler
    controller.stop()


@pytest.mark.usefixtures("gmail_at_5_per_second")
def test_a_4xx_halves_its_providers_rate_and_holds_back_no_other_provider_R_DLV6(relay, now, traveller):
    controller, handler = relay
    notifications_to(*(f"p{n}@gmail.com" for n in range(4)), *(f"q{n}@example.fr" for n in range(4)), now=now)
    deliver_due(transport=SmtpTransport(host=controller.hostname, port=controller.port))
    assert sorted(handler.accepted) == [f"q{n}@example.fr" for n in range(4)]  # the others, at once
    pace = ProviderPace.objects.get(provider="gmail")
    assert (pace.factor, pace.calm_since) == (0.5, now)
    refused = OutboundEmail.objects.get(to_address="p0@gmail.com")
    assert refused.delivery_attempts.get().smtp_reply.startswith("451")
    # the next reservation is spaced at half the rate, 0.4 s instead of 0.2 s
    before = pace.next_slot_at
    notifications_to("late@gmail.com", now=now)
    claimed_now()
    assert ProviderPace.objects.get(provider="gmail").next_slot_at - before == timedelta(seconds=0.4)
    # a calm minute: back to the setting
    traveller.shift(timedelta(minutes=2))
    notifications_to("calm@gmail.com", now=clock.now())
    claimed_now()
    assert ProviderPace.objects.get(provider="gmail").factor == 1.0


@pytest.mark.without_database
def test_a_pacing_setting_that_cannot_be_read_is_refused_R_DLV6():
    with pytest.raises(ImproperlyConfigured, match="OUTBOX_PACING"):
        Settings.from_environment({"MONCOMPTE_OUTBOX_PACING": "gmail=vite"})
    assert Settings.from_environment({"MONCOMPTE_OUTBOX_PACING": "orange=5, gmail=40"}).outbox_pacing == (
        "orange=5",
        "gmail=40",
    )


@pytest.mark.usefixtures("gmail_at_5_per_second")
def test_a_4xx_to_a_code_or_a_link_never_slows_its_provider_down_R_DLV5_R_DLV6(relay, now, traveller):
    controller, _ = relay
    ProviderPace.objects.create(provider="gmail", next_slot_at=now)  # its notifications are being paced
    queue_code_email(now, to="camille@gmail.com")
    deliver_due(transport=SmtpTransport(host=controller.hostname, port=controller.port))
    assert OutboundEmail.objects.get().delivery_attempts.get().smtp_reply.startswith("451")
    pace = ProviderPace.objects.get(provider="gmail")
    assert (pace.factor, pace.calm_since) == (1.0, None)


@pytest.mark.usefixtures("gmail_at_5_per_second")
def test_a_slowed_rate_doubles_again_one_calm_minute_at_a_time_R_DLV6(now, traveller):
    ProviderPace.objects.create(provider="gmail", next_slot_at=now, factor=0.25, calm_since=now)
    traveller.shift(timedelta(minutes=1))
    notifications_to("calm@gmail.com", now=clock.now())
    claimed_now()
    assert ProviderPace.objects.get(provider="gmail").factor == 0.5  # a quarter, then a half: not at once


@pytest.mark.without_database
def test_an_address_at_no_known_provider_is_counted_with_the_others():
    from moncompte.outbox.providers import OTHER, provider_of

    assert provider_of("camille@example.fr") == OTHER
    assert provider_of("Camille@GMAIL.com ") == "gmail"


@pytest.mark.usefixtures("gmail_at_5_per_second")
def test_a_notification_claimed_again_after_its_slot_takes_a_new_one_R_DLV6(now, traveller):
    """Its first slot was spent by the claim that ended with its worker: the next try is paced again."""
    notifications_to("a@gmail.com", "b@gmail.com", now=now)
    assert claimed_now() == ["a@gmail.com"]
    traveller.shift(timedelta(seconds=0.2))
    assert claimed_now() == ["b@gmail.com"]  # at its slot; both workers then die
    traveller.shift(timedelta(minutes=5))  # both leases run out
    assert claimed_now() == ["a@gmail.com"]
    traveller.shift(timedelta(seconds=0.2))
    assert claimed_now() == ["b@gmail.com"]


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("gmail_at_5_per_second")
def test_two_claims_that_both_find_no_row_for_a_paced_provider_both_get_their_slot_R_DLV6(now):
    """Two workers pace the first notifications to a provider at the same moment: neither finds its row, both
    write it. The second waits for the first's transaction, keeps the row the first wrote and takes the slot
    after the first's; no claim fails."""
    notifications_to("a@gmail.com", "b@gmail.com", now=now)
    first, second = OutboundEmail.objects.order_by("id")
    starts: dict[str, datetime | None] = {}
    errors: list[Exception] = []
    first_in, release = threading.Event(), threading.Event()

    def claim(email: OutboundEmail, *, hold: bool) -> None:
        try:
            with transaction.atomic():
                starts[email.to_address] = slot_start(email, now=now)
                if hold:  # the first's row is written, not yet committed
                    first_in.set()
                    release.wait(10)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    holding = threading.Thread(target=claim, args=(first,), kwargs={"hold": True})
    holding.start()
    assert first_in.wait(10)
    waiting = threading.Thread(target=claim, args=(second,), kwargs={"hold": False})
    waiting.start()
    time.sleep(0.5)  # the second claim has found no row and waits to write its own
    release.set()
    holding.join(10)
    waiting.join(10)
    assert errors == []
    assert starts == {"a@gmail.com": None, "b@gmail.com": now + timedelta(seconds=0.2)}
    assert ProviderPace.objects.get(provider="gmail").next_slot_at == now + timedelta(seconds=0.4)
