"""The email as it goes out (delivery.py sends it): its headers and both parts, from the row queued by mail.py."""

import secrets
from datetime import datetime
from email import policy
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from moncompte.core.conf import conf
from moncompte.outbox.models import OutboundEmail


def new_message_id() -> str:
    """Random from `secrets` (make_msgid uses `random`): a complaint may name a message by it."""
    return f"<{secrets.token_hex(16)}@{conf().from_address.partition('@')[2]}>"


class _HeaderClasses(HeaderRegistry):
    """The email package makes a new class (`type(...)`) for every header it parses or writes, about thirty per
    message, a fifth of the time it takes to build one; the classes hold no state, so one per header name does."""

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[str, type[BaseHeader]] = {}

    def __getitem__(self, name: str) -> type[BaseHeader]:
        key = name.lower()
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = super().__getitem__(name)
        return made


# CRLF line ends and 7-bit transfer encodings: accepted by every SMTP server, 8BITMIME or not.
OUTGOING = policy.SMTP.clone(cte_type="7bit", header_factory=_HeaderClasses())


def build_message(email: OutboundEmail, *, now: datetime) -> EmailMessage:
    """The message as it goes out at `now`: the Message-ID is the row's own (chosen at enqueue), the Date
    is the sending time."""
    config = conf()
    message = EmailMessage(policy=OUTGOING)
    message["From"] = formataddr((config.from_name, config.from_address))
    message["To"] = email.to_address
    message["Subject"] = email.subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = email.message_id
    message["Auto-Submitted"] = "auto-generated"
    if email.list_unsubscribe:  # R-MSG7: one-click unsubscribe (RFC 8058), covered by the DKIM signature
        message["List-Unsubscribe"] = f"<{email.list_unsubscribe}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(email.body_text)
    message.add_alternative(email.body_html, subtype="html")
    return message
