"""R-MSG5: the notification email of a new message. It says nothing of the message (health data never leaves the
account by email): an invitation to sign in and the site's address. At most one per interval while messages stay
unread; only to the confirmed address, and not once it was marked undeliverable."""

from datetime import datetime

from moncompte.accounts.models import Account, EmailAddress
from moncompte.core.conf import conf
from moncompte.messaging.models import UNREAD, Message, MessageBox, MessageKind
from moncompte.messaging.unsubscribe import unsubscribe_url
from moncompte.outbox import mail
from moncompte.outbox.models import Lane, OutboundEmail

TEMPLATE = "message_notice"


def _notice_due(account: Account, message: Message, box: MessageBox, now: datetime) -> bool:
    """Due unless one left within the interval and the person has not read everything since (this one apart)."""
    if box.notified_at is None or now - box.notified_at >= conf().message_notice_interval:
        return True
    return not Message.objects.filter(UNREAD, account=account).exclude(pk=message.pk).exists()


def notice_after_post(*, account: Account, message: Message, now: datetime) -> OutboundEmail | None:
    """Call inside the posting transaction, the account row locked: the email is queued with the message or not
    at all, and two posts at once never send two emails."""
    address = EmailAddress.objects.filter(
        account=account, confirmed_at__isnull=False, undeliverable_at__isnull=True
    ).first()
    if address is None:  # none confirmed (a pending address never gets one), or marked undeliverable (R-DLV2)
        return None
    box = MessageBox.objects.filter(account=account).first()
    if box is not None and not _notice_due(account, message, box, now):
        return None
    if box is None:  # the account row is locked by the caller: no other transaction creates it meanwhile
        MessageBox.objects.create(account=account, notified_at=now)
    else:
        MessageBox.objects.filter(pk=box.pk).update(notified_at=now)
    promotional = message.kind == MessageKind.PROMOTIONAL
    link = unsubscribe_url(account_id=account.pk) if promotional else ""
    return mail.enqueue(
        template=TEMPLATE,
        to=address.address,
        now=now,
        context={**account.greeting(), "promotional": promotional},
        secret_context={"unsubscribe_url": link} if link else None,  # masked in the copy support reads
        account_id=account.pk,
        list_unsubscribe=link,
        lane=Lane.NOTIFICATIONS,  # R-DLV5: behind every code and link
    )
