"""R-MSG13: each campaign as the supervisors see it on the desk — people posted to, notifications sent, refused
by the receiving servers, unsubscribed through their one-click link, messages read. Counted by four aggregate
queries for a page of campaigns, whatever their size: never a query per campaign nor per message."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Q

from moncompte.messaging.models import Letter, LetterOrigin, Message, MessageKind, Notice
from moncompte.outbox.models import EmailStatus
from moncompte.outbox.reports import ReportKind

# A notification the receiving side refused after accepting it (a permanent bounce, about the address or not)
# or reported as unwanted (a complaint): R-DLV2's reports.
REFUSALS = (ReportKind.HARD, ReportKind.REFUSED, ReportKind.COMPLAINT)


@dataclass(frozen=True)
class CampaignFigures:
    letter_id: int
    subject: str
    sender_service: str
    origin: str  # in words
    promotional: bool
    posted_at: datetime  # the letter's first posting
    posted: int  # people posted to (one message each)
    notified: int  # notification emails accepted by our sending server
    refused: int  # of those, refused by the receiving server or reported as unwanted
    unsubscribed: int  # people who withdrew their email consent with the notification's link (R-MSG7)
    read: int  # messages opened


@dataclass(frozen=True)
class CampaignsPage:
    campaigns: list[CampaignFigures]
    page: int
    has_next: bool


def campaigns_page(*, page: int = 1, size: int = 50) -> CampaignsPage:
    """The letters posted in bulk (campaigns and calls of the internal API), newest first; a message posted alone
    is not a campaign."""
    page = max(page, 1)
    start = (page - 1) * size
    bulk = Letter.objects.exclude(origin=LetterOrigin.SINGLE).order_by("-created_at", "-id")
    letters = list(bulk[start : start + size + 1])
    shown = letters[:size]
    counts = _counts([letter.pk for letter in shown])
    campaigns = [
        CampaignFigures(
            letter_id=letter.pk,
            subject=letter.subject,
            sender_service=letter.sender_service,
            origin=letter.get_origin_display(),
            promotional=letter.kind == MessageKind.PROMOTIONAL,
            posted_at=letter.created_at,
            **{figure: counts[figure].get(letter.pk, 0) for figure in FIGURES},
        )
        for letter in shown
    ]
    return CampaignsPage(campaigns, page, has_next=len(letters) > size)


FIGURES = ("posted", "notified", "refused", "unsubscribed", "read")


def _counts(ids: list[int]) -> dict[str, dict[int, int]]:
    """Each figure of FIGURES by letter, three aggregate queries for all the letters of the page."""
    counts: dict[str, dict[int, int]] = {figure: {} for figure in FIGURES}
    messages = Message.objects.filter(letter_id__in=ids).order_by().values("letter_id")
    by_message = messages.annotate(posted=Count("id"), read=Count("id", filter=Q(read_at__isnull=False)))
    notices = Notice.objects.filter(letter_id__in=ids).order_by().values("letter_id")
    by_notice = notices.annotate(
        notified=Count("pk", filter=Q(email__status=EmailStatus.SENT)),
        unsubscribed=Count("pk", filter=Q(unsubscribed_at__isnull=False)),
    )
    reported = Notice.objects.filter(letter_id__in=ids, email__reports__kind__in=REFUSALS).order_by()
    by_report = reported.values("letter_id").annotate(refused=Count("email_id", distinct=True))
    for rows in (by_message, by_notice, by_report):
        _add(counts, rows)
    return counts


def _add(counts: dict[str, dict[int, int]], rows: Iterable[Mapping[str, Any]]) -> None:
    for row in rows:
        for figure, value in row.items():
            if figure != "letter_id":
                counts[figure][row["letter_id"]] = value
