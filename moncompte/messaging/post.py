"""R-MSG1: services post messages to accounts' boxes, one (`message_post`) or many at once (`letters_post`, for
bulk.py). Each message is written with its audit row and its notice to decide (NoticeDue); notify.py queues the
notification (R-MSG5): in the same transaction for one message, by the workers afterwards for many."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction

from moncompte.accounts import consents
from moncompte.accounts.models import Account, ConsentChannel
from moncompte.accounts.states import AccountState
from moncompte.audit.log import record_many
from moncompte.core.client import Client
from moncompte.messaging.errors import MessageAccountNotActive, MessageNoConsent
from moncompte.messaging.models import Letter, LetterOrigin, Message, MessageKind, NoticeDue
from moncompte.messaging.notify import notices_queue
from moncompte.messaging.texts import message_texts_check
from moncompte.outbox.wakeup import wake_on_commit

CHUNK = 1000  # messages written per statement


@dataclass(frozen=True)
class LetterText:
    """What is posted, its texts already checked (message_texts_check)."""

    subject: str
    body: str
    sender_service: str
    kind: MessageKind = MessageKind.NORMAL


def letter_create(text: LetterText, *, origin: LetterOrigin, now: datetime, campaign: str | None = None) -> Letter:
    """R-MSG12: the letter every message of one posting points to, its text stored once."""
    return Letter.objects.create(
        subject=text.subject,
        body=text.body,
        sender_service=text.sender_service,
        kind=text.kind,
        origin=origin,
        created_at=now,
        campaign=campaign,
    )


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
    email consent in force (MessageNoConsent otherwise); audited with the sender; the notification queued with it."""
    subject, body = message_texts_check(subject=subject, body=body)
    with transaction.atomic():
        account = Account.objects.select_for_update().filter(pk=account_id).first()
        if account is None or account.state != AccountState.ACTIVE:
            raise MessageAccountNotActive()
        decisions = None
        if kind == MessageKind.PROMOTIONAL:  # R-MSG6: the ledger's decision in force must be "oui"
            decisions = consents.latest_records([account.pk], ConsentChannel.EMAIL)
            if not (decision := decisions.get(account.pk)) or not decision.granted:
                raise MessageNoConsent()
        # Its own letter too (R-MSG12): one way to read every message, for one more row per message posted alone.
        letter = letter_create(LetterText(subject, body, sender_service, kind), origin=LetterOrigin.SINGLE, now=now)
        [(message_id, _)] = letters_post(
            account_ids=[account.pk], letter=letter, client=client, now=now, consents=decisions
        )
        notices_queue(now=now, message_ids=[message_id])
        return Message.objects.get(pk=message_id)


def letters_post(
    *,
    account_ids: Sequence[int],
    letter: Letter,
    client: Client,
    now: datetime,
    consents: Mapping[int, consents.Decision] | None = None,
) -> list[tuple[int, int]]:
    """Inside the caller's transaction, to accounts already found active (and, for promotional information,
    consenting: `consents` holds each one's decision, which its audit row cites, R-MSG6): per thousand, one
    statement each for the messages (each pointing to the letter, R-MSG12), their audit rows (`message_posted`)
    and their notices to decide. No email is written here: the workers are woken at commit to queue the
    notifications. Returns (message, account)."""
    posted = list[tuple[int, int]]()
    for start in range(0, len(account_ids), CHUNK):
        rows = _messages_insert(account_ids[start : start + CHUNK], letter, now)
        accounts = [account for _, account in rows]
        each: dict[str, list[int] | list[str]] = {"message": [message for message, _ in rows]}
        if consents is not None:  # R-MSG6: the ledger's decision each message was posted under
            each |= {"consent_record": [consents[account].record for account in accounts]}
            each |= {"consent_at": [consents[account].at.isoformat() for account in accounts]}
        details = {"kind": letter.kind, "sender_service": letter.sender_service, "letter": letter.pk}
        record_many(event="message_posted", now=now, client=client, account_ids=accounts, details=details, each=each)
        posted += rows
    if posted:
        wake_on_commit()
    return posted


def _messages_insert(account_ids: Sequence[int], letter: Letter, now: datetime) -> list[tuple[int, int]]:
    """The messages and their notices to decide, each message a pointer to the letter: on PostgreSQL one
    statement over an array; elsewhere one INSERT … SELECT … RETURNING, then the notices."""
    table, notices = Message._meta.db_table, NoticeDue._meta.db_table
    posted_at = Message._meta.get_field("posted_at").get_db_prep_value(now, connection)
    columns = "account_id, letter_id, posted_at"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"WITH posted AS (INSERT INTO {table} ({columns}) "  # noqa: S608 - our names
                "SELECT t.id, %s, %s FROM unnest(%s::bigint[]) AS t(id) RETURNING id, account_id), "
                f"due AS (INSERT INTO {notices} (message_id, account_id) SELECT id, account_id FROM posted) "
                "SELECT id, account_id FROM posted",
                [letter.pk, posted_at, list(account_ids)],
            )
            return [(message, account) for message, account in cursor.fetchall()]
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT id, %s, %s "  # noqa: S608 - our names
            f"FROM {Account._meta.db_table} WHERE id IN ({', '.join(['%s'] * len(account_ids))}) "
            "RETURNING id, account_id",
            [letter.pk, posted_at, *account_ids],
        )
        rows = [(message, account) for message, account in cursor.fetchall()]
        if rows:
            cursor.execute(
                f"INSERT INTO {notices} (message_id, account_id) "  # noqa: S608 - our names
                f"VALUES {', '.join(['(%s, %s)'] * len(rows))}",
                [value for row in rows for value in row],
            )
        return rows
