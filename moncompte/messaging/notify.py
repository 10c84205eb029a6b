"""R-MSG5: the notification email of a new message. It says nothing of the message (health data never leaves the
account by email): an invitation to sign in and the site's address. At most one per interval while messages stay
unread; only to the confirmed address, and not once it was marked undeliverable.

Each posted message leaves a notice to decide (NoticeDue). `notices_queue` takes a batch of them, oldest first,
decides, queues the emails due in the notifications lane (R-DLV5) and deletes the notices, in one transaction:
nothing is lost or queued twice, whoever runs it (a single post for its own message, the workers for a campaign,
as their notifications lane runs low)."""

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Min

from moncompte.accounts import consents
from moncompte.accounts.models import Account, ConsentChannel, EmailAddress
from moncompte.core.conf import conf
from moncompte.messaging.models import UNREAD, Message, MessageBox, MessageKind, Notice, NoticeDue
from moncompte.messaging.unsubscribe import unsubscribe_url
from moncompte.outbox.mail import Outgoing, emails_enqueue
from moncompte.outbox.models import Lane

TEMPLATE = "message_notice"
NOTICE_BATCH = 1000
FEEDING_LOCK = 0x6D6F6E636F6D7074  # "moncompt": the advisory lock of the workers' feeding


def notices_queue(*, now: datetime, limit: int = NOTICE_BATCH, message_ids: Collection[int] | None = None) -> int:
    """Decides the notification of up to `limit` posted messages (only `message_ids` if given) and queues those
    due; returns how many messages were decided (0: none was waiting). Concurrent callers take disjoint messages
    (SKIP LOCKED) and wait for each other on a person's box row: two messages never send two emails at once."""
    with transaction.atomic():
        if message_ids is None and not _alone():
            return 0
        waiting = NoticeDue.objects.select_for_update(skip_locked=True).order_by("message_id")
        if message_ids is not None:
            waiting = waiting.filter(message_id__in=message_ids)
        taken = list(waiting.values_list("message_id", "account_id")[:limit])
        if not taken:
            return 0
        notified = _due(taken, now)
        emails = emails_enqueue(template=TEMPLATE, outgoing=_emails(notified), now=now, lane=Lane.NOTIFICATIONS)
        # R-MSG13: which letter each email announced, for the desk's campaign figures
        letters = {account: due.letter for account, due in notified.items() if due.letter is not None}
        Notice.objects.bulk_create(
            Notice(email_id=email.pk, letter_id=letters[email.account_id], account_id=email.account_id)
            for email in emails
            if email.account_id in letters
        )
        NoticeDue.objects.filter(message_id__in=[message for message, _ in taken]).delete()
    return len(taken)


def _alone() -> bool:
    """One worker queues notifications at a time, the others keep sending (codes and links first, R-DLV5): on
    PostgreSQL a lock held until this transaction ends, that a second worker does not wait for."""
    if connection.vendor != "postgresql":
        return True  # SQLite runs one write transaction at a time anyway
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [FEEDING_LOCK])
        row = cursor.fetchone()
    return bool(row and row[0])


class Due(NamedTuple):
    address: str
    promotional: bool
    letter: int | None  # None: a message posted by the previous release during an upgrade (models.Message)


def _due(taken: Sequence[tuple[int, int]], now: datetime) -> dict[int, Due]:
    """The accounts to notify now, each with its address, whether the message is promotional, and its letter."""
    rows = Message.objects.filter(pk__in=[m for m, _ in taken], **UNREAD_ONLY)
    opened = {
        message: (letter_kind or kind, letter)
        for message, letter, letter_kind, kind in rows.values_list("pk", "letter_id", "letter__kind", "old_kind")
    }
    addresses = dict(
        EmailAddress.objects.filter(
            account_id__in={account for message, account in taken if message in opened},
            confirmed_at__isnull=False,  # none confirmed: a pending address never gets one
            undeliverable_at__isnull=True,  # marked undeliverable (R-DLV2)
        ).values_list("account_id", "address")
    )
    boxes = _boxes_locked(sorted(addresses))
    interval = conf().message_notice_interval
    recent = [account for account, at in boxes.items() if at is not None and now - at < interval]
    # Notified within the interval: due only if everything older than this message was read since.
    oldest_unread = dict(
        Message.objects.filter(UNREAD, account_id__in=recent)
        .order_by()
        .values("account_id")
        .annotate(first=Min("id"))
        .values_list("account_id", "first")
    )
    notified: dict[int, Due] = {}
    for message, account in taken:
        if message not in opened or account not in addresses or account in notified:
            continue  # read or deleted already, no address to write to, or this person's one email of the batch
        if account in recent and oldest_unread.get(account, message) < message:
            continue
        kind, letter = opened[message]
        notified[account] = Due(addresses[account], kind == MessageKind.PROMOTIONAL, letter)
    _still_consenting(notified)
    MessageBox.objects.filter(account_id__in=notified).update(notified_at=now)
    return notified


UNREAD_ONLY = {"read_at__isnull": True, "deleted_at__isnull": True}


def _boxes_locked(accounts: list[int]) -> dict[int, datetime | None]:
    """Each account's box row, made if missing and locked in account order (no deadlock between two callers)."""
    MessageBox.objects.bulk_create([MessageBox(account_id=account) for account in accounts], ignore_conflicts=True)
    rows = MessageBox.objects.select_for_update().filter(account_id__in=accounts).order_by("account_id")
    return dict(rows.values_list("account_id", "notified_at"))


def _still_consenting(notified: dict[int, Due]) -> None:
    """A promotional message's notification goes only to whom still says "oui" (R-MSG6): an unsubscribe between
    the posting and now is obeyed."""
    promotional = [account for account, due in notified.items() if due.promotional]
    if promotional:
        decisions = consents.latest_records(promotional, ConsentChannel.EMAIL)
        for account in promotional:
            if not (decision := decisions.get(account)) or not decision.granted:
                del notified[account]


def _emails(notified: dict[int, Due]) -> list[Outgoing]:
    names = Account.objects.filter(pk__in=notified).values_list(
        "pk", "beneficiary__first_name", "beneficiary__last_name"
    )
    emails = []
    for account, first_name, last_name in names:
        address, promotional, letter = notified[account]
        link = unsubscribe_url(account_id=account, letter_id=letter) if promotional else ""
        context = {"first_name": first_name, "last_name": last_name, "promotional": promotional}
        # R-MSG7: the unsubscribe link is a token, masked in the copy support reads
        secret = {"unsubscribe_url": link} if link else {}
        emails.append(Outgoing(address, context, secret, account_id=account, list_unsubscribe=link))
    return emails
