"""The person's own actions in « Ma messagerie » (R-MSG3, R-MSG4): open a message (it becomes read), delete it."""

from datetime import datetime

from django.db import transaction

from moncompte.audit.log import record
from moncompte.core.client import Client
from moncompte.messaging.errors import MessageNotFound
from moncompte.messaging.models import Message
from moncompte.messaging.selectors import MessageShown, message_shown


def message_open(*, account_id: int, message_id: int, now: datetime) -> MessageShown:
    """R-MSG3: the message, marked read the first time it is opened (a conditional update: two tabs agree)."""
    found = Message.objects.filter(account_id=account_id, pk=message_id, deleted_at__isnull=True)
    row = found.select_related("letter").first()  # its text in the same query (R-MSG12)
    if row is None:
        raise MessageNotFound()
    if row.read_at is None:
        Message.objects.filter(pk=row.pk, read_at__isnull=True).update(read_at=now)
    return message_shown(row)


def message_delete(*, account_id: int, message_id: int, client: Client, now: datetime) -> None:
    """R-MSG4: the message leaves the box for good; the row stays (what was posted is kept for the audit)."""
    with transaction.atomic():
        deleted = Message.objects.filter(account_id=account_id, pk=message_id, deleted_at__isnull=True).update(
            deleted_at=now
        )
        if not deleted:
            raise MessageNotFound()
        record(event="message_deleted", now=now, account_id=account_id, client=client, message=message_id)
