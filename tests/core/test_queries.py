"""The hand-written SQL of core, on SQLite and on PostgreSQL (this file runs on both). R-CAP4: the fixed-window
counters without Redis, one database row per (scope, key, window), counted up in place. Issue 22: the rows the
journey writes on a cursor (row_insert), the same as the ORM's."""

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.db import connection
from django.db.models import Model
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext

from moncompte.accounts.models import Account, ConsentChannel, ConsentRecord, EmailAddress
from moncompte.core import throttle
from moncompte.core.models import WindowCounter
from moncompte.core.queries import WindowCounts, row_insert, window_counter_add
from moncompte.enrollment.models import DeviceCredential
from moncompte.outbox.models import EmailStatus, Lane, OutboundEmail
from moncompte.registry.models import Beneficiary

pytestmark = pytest.mark.django_db
HOUR = 3600


def test_the_first_event_of_a_window_creates_its_row_and_the_next_ones_count_it_up():
    assert window_counter_add(scope="s", key="k", started=7200, seconds=HOUR) == WindowCounts(current=1, previous=0)
    assert window_counter_add(scope="s", key="k", started=7200, seconds=HOUR) == WindowCounts(current=2, previous=0)
    assert WindowCounter.objects.get().events == 2


def test_the_previous_window_is_read_in_the_same_statement():
    for _ in range(3):
        window_counter_add(scope="s", key="k", started=3600, seconds=HOUR)
    assert window_counter_add(scope="s", key="k", started=7200, seconds=HOUR) == WindowCounts(current=1, previous=3)
    assert WindowCounter.objects.count() == 2


def test_scopes_keys_and_windows_are_counted_apart():
    window_counter_add(scope="s", key="k", started=7200, seconds=HOUR)
    assert window_counter_add(scope="t", key="k", started=7200, seconds=HOUR).current == 1
    assert window_counter_add(scope="s", key="j", started=7200, seconds=HOUR).current == 1
    assert window_counter_add(scope="s", key="k", started=10800, seconds=HOUR) == WindowCounts(current=1, previous=1)


def test_many_events_write_no_more_rows_than_windows_R_CAP4(settings, now):
    settings.REDIS_URL = ""
    limit = throttle.Limit("test_window", 1000, timedelta(hours=1))
    for second in range(0, 200):
        throttle.window_count(limit, key="a page shown again and again", now=now + timedelta(seconds=second))
    assert list(WindowCounter.objects.values_list("events", flat=True)) == [200]


def test_old_counters_are_purged_with_the_events(settings, now):
    settings.REDIS_URL = ""
    limit = throttle.Limit("test_window", 10, timedelta(hours=1))
    throttle.window_count(limit, key="k", now=now - timedelta(days=3))
    throttle.window_count(limit, key="k", now=now - timedelta(hours=1))
    assert throttle.events_purge(now=now) == 1
    assert WindowCounter.objects.count() == 1


# row_insert: a row written on a cursor is the row the ORM's save() writes, for each model the journey writes so.


def email_made(now, **changes) -> OutboundEmail:
    values = {
        "template": "email_confirmation",
        "to_address": "Camille@Example.fr",
        "to_masked": "c•••••e@example.fr",
        "account_id": 42,
        "subject": "Confirmation de votre adresse mail",
        "body_text": "Bonjour Camille DURAND, …",
        "body_html": "<p>Bonjour Camille DURAND, …</p>",
        "shown_text": "Bonjour ••••••••••",
        "shown_html": "<p>Bonjour ••••••••••</p>",
        "created_at": now,
        "next_attempt_at": now + timedelta(seconds=2),
        "message_id": "<abc@moncompte.example>",
        "request_id": "r1",
        "lane": Lane.FIRST,
    }
    return OutboundEmail(**{**values, **changes})


def written_like_the_orm(make: Callable[[], Model], apart: tuple[str, ...] = ()) -> Model:
    """Writes one row with row_insert and its twin with save(): both rows read back the same, id (and `apart`:
    what a unique key makes differ) aside."""
    written = make()
    with CaptureQueriesContext(connection) as queries:
        row_insert(written)
    assert len(queries) == 1
    assert written.pk is not None
    assert not written._state.adding
    twin = make()
    twin.save(force_insert=True)
    rows = type(written)._default_manager
    stored, expected = rows.get(pk=written.pk), rows.get(pk=twin.pk)
    assert model_to_dict(stored, exclude=["id", *apart]) == model_to_dict(expected, exclude=["id", *apart])
    return stored


@pytest.mark.parametrize(
    "changes",
    [
        {"list_unsubscribe": ""},
        {"account_id": None, "lane": Lane.NOTIFICATIONS, "list_unsubscribe": "<mailto:x>"},
        {},  # list_unsubscribe left to its database default
    ],
)
def test_an_email_row_written_on_a_cursor_is_the_row_the_orm_writes(now, changes):
    stored = written_like_the_orm(lambda: email_made(now, **changes))
    assert isinstance(stored, OutboundEmail)
    assert (stored.status, stored.attempts, stored.created_at, stored.sent_at) == (EmailStatus.PENDING, 0, now, None)
    assert stored.body_html == "<p>Bonjour Camille DURAND, …</p>"
    assert stored.list_unsubscribe == changes.get("list_unsubscribe", "")


def test_an_address_a_consent_and_a_device_written_on_a_cursor_are_the_rows_the_orm_writes(beneficiary, now):
    account = Account.objects.create(beneficiary=beneficiary, created_at=now, code_email="camille@example.fr")
    someone = Beneficiary.objects.create(
        nir="1850575056048", last_name="MARTIN", first_name="Paul", birth_date=date(1985, 5, 1), postal_code="75005"
    )
    other = Account.objects.create(beneficiary=someone, created_at=now, code_email="p@example.fr")
    owners = iter([account, other])  # one pending address per account, one account per address
    address = written_like_the_orm(
        lambda: EmailAddress(
            account=next(owners),
            address="Camille@Example.fr ",
            canonical=f"c{EmailAddress.objects.count()}",
            created_at=now,
        ),
        apart=("account", "canonical"),
    )
    assert isinstance(address, EmailAddress)
    assert (address.account_id, address.address, address.confirmed_at) == (account.pk, "Camille@Example.fr ", None)
    consent = written_like_the_orm(
        lambda: ConsentRecord(
            account=account, channel=ConsentChannel.EMAIL, granted=False, at=now, wording_version="v1", source="x"
        )
    )
    assert isinstance(consent, ConsentRecord)
    assert (consent.granted, consent.at, consent.channel) == (False, now, "email")
    device = written_like_the_orm(
        lambda: DeviceCredential(
            account=account, digest="d" * 64, session_epoch=3, channel="web", created_at=now, expires_at=now
        )
    )
    assert isinstance(device, DeviceCredential)
    assert (device.session_epoch, device.digest, device.expires_at) == (3, "d" * 64, now)
