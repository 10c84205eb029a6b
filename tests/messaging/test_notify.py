"""R-MSG5: the notification email of a new message — nothing of the message, at most one per interval while
messages stay unread, only to a confirmed address not marked undeliverable."""

from dataclasses import replace
from datetime import timedelta

import pytest

from moncompte.accounts.models import EmailAddress
from moncompte.messaging.box import message_open
from moncompte.outbox.models import OutboundEmail
from moncompte.selfservice.account_manage import email_change_request
from tests import factories
from tests.factories import CLIENT, PERSONAL_CODE
from tests.messaging.helpers import post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("traveller")]


def notices():
    return list(OutboundEmail.objects.filter(template="message_notice").order_by("id"))


@pytest.fixture
def account(code_sent, now):
    return factories.active(code_sent, now).account


def test_a_new_message_sends_a_notification_without_its_content_R_MSG5(account, now):
    post(account.pk, now, subject="Résultats d'analyse", body="Votre glycémie est de 1,2 g/L.")
    (notice,) = notices()
    assert notice.subject == "Votre compte ameli - Vous avez reçu un nouveau message"
    assert (notice.to_address, notice.account_id) == ("camille@example.fr", account.pk)
    for secret in ("Résultats", "glycémie", "1,2"):
        assert secret not in notice.body_text + notice.body_html
    assert "Pour le lire, connectez-vous à votre compte sur" in notice.body_text
    assert "Si vous n'êtes pas à l'origine" not in notice.body_text + notice.body_html


def test_at_most_one_notification_per_interval_while_messages_stay_unread_R_MSG5(account, now, settings):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, message_notice_interval=timedelta(hours=10))
    post(account.pk, now)
    post(account.pk, now + timedelta(hours=1))
    post(account.pk, now + timedelta(hours=9, minutes=59))
    assert len(notices()) == 1
    post(account.pk, now + timedelta(hours=10))
    assert len(notices()) == 2


def test_once_everything_is_read_the_next_message_is_notified_again_R_MSG5(account, now):
    first = post(account.pk, now)
    message_open(account_id=account.pk, message_id=first.pk, now=now + timedelta(minutes=5))
    post(account.pk, now + timedelta(hours=1))
    assert len(notices()) == 2
    post(account.pk, now + timedelta(hours=2))  # the one before is still unread
    assert len(notices()) == 2


def test_an_address_marked_undeliverable_gets_no_notification_R_MSG5(account, now):
    EmailAddress.objects.filter(account=account).update(undeliverable_at=now, undeliverable_reason="5.1.1")
    post(account.pk, now)
    assert notices() == []


def test_a_new_address_awaiting_confirmation_gets_no_notification_the_confirmed_one_does_R_MSG5(account, now):
    email_change_request(
        account_id=account.pk, address="nouvelle@example.fr", current_password=PERSONAL_CODE, client=CLIENT, now=now
    )
    post(account.pk, now)
    assert [notice.to_address for notice in notices()] == ["camille@example.fr"]
