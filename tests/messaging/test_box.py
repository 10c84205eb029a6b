"""R-MSG3, R-MSG4: opening a message marks it read; deleting takes it out of the box for good."""

import pytest

from moncompte.audit.models import AuditEvent
from moncompte.messaging.box import message_delete, message_open
from moncompte.messaging.errors import MessageNotFound
from moncompte.messaging.selectors import message_box_page, message_of, unread_count
from tests import factories
from tests.factories import CLIENT
from tests.messaging.helpers import post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("traveller")]


def test_opening_a_message_marks_it_read_once_R_MSG3(code_sent, now, traveller):
    account = factories.active(code_sent, now).account
    message = post(account.pk, now)
    assert unread_count(account_id=account.pk) == 1
    assert message_open(account_id=account.pk, message_id=message.pk, now=now).body == "Bonjour."
    message.refresh_from_db()
    first_read = message.read_at
    assert first_read == now
    message_open(account_id=account.pk, message_id=message.pk, now=now.replace(hour=12))
    message.refresh_from_db()
    assert message.read_at == first_read
    assert unread_count(account_id=account.pk) == 0


def test_another_persons_message_is_not_found_R_MSG4(code_sent, now):
    account = factories.active(code_sent, now).account
    message = post(account.pk, now)
    for opened in (
        lambda: message_open(account_id=account.pk + 1, message_id=message.pk, now=now),
        lambda: message_of(account_id=account.pk + 1, message_id=message.pk),
        lambda: message_delete(account_id=account.pk + 1, message_id=message.pk, client=CLIENT, now=now),
    ):
        with pytest.raises(MessageNotFound):
            opened()


def test_a_deleted_message_leaves_the_box_for_good_and_is_audited_R_MSG4(code_sent, now):
    account = factories.active(code_sent, now).account
    message = post(account.pk, now)
    message_delete(account_id=account.pk, message_id=message.pk, client=CLIENT, now=now)
    assert message_box_page(account_id=account.pk).messages == []
    assert unread_count(account_id=account.pk) == 0
    with pytest.raises(MessageNotFound):
        message_open(account_id=account.pk, message_id=message.pk, now=now)
    with pytest.raises(MessageNotFound):
        message_delete(account_id=account.pk, message_id=message.pk, client=CLIENT, now=now)
    assert AuditEvent.objects.get(event="message_deleted").details == {"message": message.pk}


def test_the_header_counts_the_unread_messages_left_in_the_box_and_only_its_own_R_MSG3(code_sent, now):
    """Issue 22: the count is hand-written SQL (messaging/selectors.py), on SQLite and PostgreSQL."""
    account = factories.active(code_sent, now).account
    kept, deleted, _ = post(account.pk, now), post(account.pk, now), post(account.pk, now)
    message_open(account_id=account.pk, message_id=kept.pk, now=now)
    message_delete(account_id=account.pk, message_id=deleted.pk, client=CLIENT, now=now)
    assert unread_count(account_id=account.pk) == 1
    assert unread_count(account_id=account.pk + 1) == 0
