"""What « Ma messagerie » shows (R-MSG3): the unread count of the header, a page of the box, newest first."""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection, models

from moncompte.core.conf import conf
from moncompte.messaging.errors import MessageNotFound
from moncompte.messaging.models import Message, MessageKind
from moncompte.messaging.notify import TEMPLATE as NOTICE_TEMPLATE
from moncompte.outbox.models import OutboundEmail


@dataclass(frozen=True)
class MessageLine:
    id: int
    subject: str
    sender_service: str
    posted_at: datetime
    unread: bool
    promotional: bool


@dataclass(frozen=True)
class MessageBoxPage:
    messages: list[MessageLine]
    unread: int
    page: int
    has_next: bool


@dataclass(frozen=True)
class MessageShown:
    id: int
    subject: str
    body: str
    sender_service: str
    posted_at: datetime
    promotional: bool


def _box(account_id: int) -> models.QuerySet[Message]:
    return Message.objects.filter(account_id=account_id, deleted_at__isnull=True)


def _with_letters(rows: models.QuerySet[Message]) -> models.QuerySet[Message]:
    """Each message with its letter's text, in the same query (R-MSG12: one join, never a query per row)."""
    return rows.select_related("letter")


# Issue 22: the header of every page of an active account counts its unread messages (R-MSG3). On a cursor: the
# ORM's COUNT cost 0.4–0.6 ms of Python against 0.07 ms for the same SQL (the profile of the performance issue;
# bench/README.md, issue 22). The same rows as _box(account_id).filter(read_at__isnull=True).
_UNREAD = 'SELECT COUNT(*) FROM "messaging_message" WHERE account_id = %s AND deleted_at IS NULL AND read_at IS NULL'


def unread_count(*, account_id: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(_UNREAD, [account_id])
        return int(cursor.fetchone()[0])


def message_box_page(*, account_id: int, page: int = 1) -> MessageBoxPage:
    size, page = conf().messages_per_page, max(page, 1)
    start = (page - 1) * size
    rows = list(_with_letters(_box(account_id)).order_by("-posted_at", "-id")[start : start + size + 1])
    lines = [
        MessageLine(
            id=row.pk,
            subject=row.texts.subject,
            sender_service=row.texts.sender_service,
            posted_at=row.posted_at,
            unread=row.read_at is None,
            promotional=row.texts.kind == MessageKind.PROMOTIONAL,
        )
        for row in rows[:size]
    ]
    return MessageBoxPage(lines, unread_count(account_id=account_id), page, has_next=len(rows) > size)


def message_shown(row: Message) -> MessageShown:
    texts = row.texts
    promotional = texts.kind == MessageKind.PROMOTIONAL
    return MessageShown(row.pk, texts.subject, texts.body, texts.sender_service, row.posted_at, promotional)


def message_of(*, account_id: int, message_id: int) -> MessageShown:
    """One message of the box, as it is (opening it is messaging.box.message_open)."""
    row = _with_letters(_box(account_id)).filter(pk=message_id).first()
    if row is None:
        raise MessageNotFound()
    return message_shown(row)


@dataclass(frozen=True)
class BoxSummary:
    """R-MSG11: « Ma messagerie » as the desk sees it: counts and the last notification email, never a message's
    subject nor its text (health data stays in the account)."""

    messages: int
    unread: int
    notified_at: datetime | None  # when the last notification email was queued
    notice_outcome: str  # what became of it, in words ("" without one)


def box_summary_of(*, account_id: int) -> BoxSummary:
    box = _box(account_id)
    notice = (
        OutboundEmail.objects.filter(account_id=account_id, template=NOTICE_TEMPLATE)
        .prefetch_related("reports")
        .order_by("-created_at", "-id")
        .first()
    )
    outcome = ""
    if notice is not None:
        reports = sorted(notice.reports.all(), key=lambda report: report.received_at)
        outcome = notice.get_status_display()
        if reports:  # what the receiving side said after accepting it (a bounce, a complaint)
            outcome += f" ; puis {reports[-1].get_kind_display()} le {reports[-1].received_at:%d/%m/%Y}"
    return BoxSummary(
        messages=box.count(),
        unread=box.filter(read_at__isnull=True).count(),
        notified_at=notice.created_at if notice is not None else None,
        notice_outcome=outcome,
    )
