"""R-MSG1, R-MSG2: posting a message to an account's box."""

from dataclasses import replace
from datetime import timedelta

import pytest

from moncompte.audit.models import AuditEvent
from moncompte.core.errors import InputsRefused
from moncompte.messaging.errors import MessageAccountNotActive
from moncompte.messaging.models import Message
from moncompte.messaging.selectors import message_box_page, unread_count
from tests import factories
from tests.messaging.helpers import post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("traveller")]


def test_a_message_posted_to_an_active_account_is_in_its_box_and_audited_without_its_body_R_MSG1(code_sent, now):
    account = factories.active(code_sent, now).account
    message = post(account.pk, now, subject="  Votre attestation  ", body="Ligne 1\r\nLigne 2 ")
    assert (message.texts.subject, message.texts.body, message.read_at) == (
        "Votre attestation",
        "Ligne 1\nLigne 2",
        None,
    )
    event = AuditEvent.objects.get(event="message_posted")
    assert event.account_id == account.pk
    assert event.details == {
        "message": message.pk,
        "letter": message.letter_id,
        "kind": "normal",
        "sender_service": "Caisse primaire des Vosges",
        "channel": "internal",
    }
    assert "Ligne" not in str(event.details)


def test_an_account_not_yet_active_receives_nothing_R_MSG1(code_sent, now):
    journey = factories.with_link_sent(code_sent, now)
    with pytest.raises(MessageAccountNotActive):
        post(journey.account.pk, now)
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    ("subject", "body", "fields"),
    [
        ("", "texte", ["subject"]),
        ("Objet", "   ", ["body"]),
        ("x" * 201, "texte", ["subject"]),
        ("Objet\x07", "texte\x00", ["subject", "body"]),
        ("Objet", "y" * 10_001, ["body"]),
    ],
)
def test_a_subject_or_body_empty_too_long_or_with_control_characters_is_refused_R_MSG2(
    code_sent, now, subject, body, fields
):
    account = factories.active(code_sent, now).account
    with pytest.raises(InputsRefused) as refused:
        post(account.pk, now, subject=subject, body=body)
    assert [error.field for error in refused.value.errors] == fields
    assert not Message.objects.exists()


def test_the_lengths_are_settings_and_tabs_and_line_ends_are_kept_R_MSG2(code_sent, now, settings):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, message_body_max_length=20)
    account = factories.active(code_sent, now).account
    assert post(account.pk, now, body="a\tb\nc").texts.body == "a\tb\nc"
    with pytest.raises(InputsRefused):
        post(account.pk, now, body="z" * 21)


def test_the_box_lists_newest_first_a_page_at_a_time_with_its_unread_count_R_MSG3(code_sent, now, settings):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, messages_per_page=2)
    account = factories.active(code_sent, now).account
    for hours in range(3):
        post(account.pk, now + timedelta(hours=hours), subject=f"Message {hours}")
    first = message_box_page(account_id=account.pk)
    assert [line.subject for line in first.messages] == ["Message 2", "Message 1"]
    assert (first.unread, first.has_next) == (3, True)
    second = message_box_page(account_id=account.pk, page=2)
    assert ([line.subject for line in second.messages], second.has_next) == (["Message 0"], False)
    assert unread_count(account_id=account.pk) == 3
