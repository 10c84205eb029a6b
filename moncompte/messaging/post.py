"""R-MSG1: a service posts a message to one account's box; the notification email is queued with it (R-MSG5)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction

from moncompte.accounts import consents
from moncompte.accounts.models import Account, ConsentChannel
from moncompte.accounts.states import AccountState
from moncompte.audit.log import record
from moncompte.core.client import Client
from moncompte.messaging.errors import MessageAccountNotActive, MessageNoConsent
from moncompte.messaging.models import Message, MessageKind
from moncompte.messaging.notify import notice_after_post
from moncompte.messaging.texts import message_texts_check


def _promotional_consent(account_id: int) -> dict[str, Any]:
    """R-MSG6: the ledger's decision in force must be "oui"; the audit row cites it."""
    decision = consents.latest_record(account_id, ConsentChannel.EMAIL)
    if decision is None or not decision.granted:
        raise MessageNoConsent()
    return {"consent_record": decision.pk, "consent_at": decision.at.isoformat()}


@dataclass(frozen=True)
class Letter:
    """What is posted, its texts already checked (message_texts_check)."""

    subject: str
    body: str
    sender_service: str
    kind: MessageKind = MessageKind.NORMAL


def message_post(
    *,
    account_id: int,
    subject: str,
    body: str,
    sender_service: str,
    kind: MessageKind = MessageKind.NORMAL,
    client: Client,
    now: datetime,
) -> Message:
    """Posts to an active account only (MessageAccountNotActive otherwise), a promotional message only with the
    email consent in force (MessageNoConsent otherwise); audited with the sender."""
    subject, body = message_texts_check(subject=subject, body=body)
    with transaction.atomic():
        account = Account.objects.select_for_update().filter(pk=account_id).first()
        return letter_post(account, Letter(subject, body, sender_service, kind), client=client, now=now)


def letter_post(account: Account | None, letter: Letter, *, client: Client, now: datetime) -> Message:
    """Inside a transaction, the account row locked: the message, its audit row and its notification."""
    if account is None or account.state != AccountState.ACTIVE:
        raise MessageAccountNotActive()
    consent = _promotional_consent(account.pk) if letter.kind == MessageKind.PROMOTIONAL else {}
    message = Message.objects.create(
        account=account,
        subject=letter.subject,
        body=letter.body,
        sender_service=letter.sender_service,
        kind=letter.kind,
        posted_at=now,
    )
    record(
        event="message_posted",
        now=now,
        account_id=account.pk,
        client=client,
        message=message.pk,
        kind=letter.kind.value,
        sender_service=letter.sender_service,
        **consent,
    )
    notice_after_post(account=account, message=message, now=now)
    return message
