"""R-DLV2: where bounces and complaints come in: an SMTP listener for the bounce domain, or a Maildir the
operator's mail server fills. Both hand each message to `bounce_receive`."""

import logging
from collections import Counter
from pathlib import Path

from django.db import connection

from moncompte.accounts.bounces import BounceOutcome, bounce_receive, envelope_recipients
from moncompte.core import clock
from moncompte.core.conf import conf
from moncompte.outbox.inbox import Listener, maildir_read, smtp_inbox_start
from moncompte.outbox.verp import bounce_domain, email_id_from

logger = logging.getLogger("moncompte.bounces")


def feedback_address() -> str:
    """Where providers' feedback loops send complaints (ARF)."""
    address: str = conf().feedback_address or f"fbl@{bounce_domain()}"
    return address


def accepts(address: str) -> bool:
    """Mail is taken only for our envelope senders and the feedback address."""
    return email_id_from(address) is not None or address.lower() == feedback_address().lower()


def receive(raw: bytes, recipients: list[str]) -> BounceOutcome:
    outcome = bounce_receive(raw=raw, recipients=recipients, now=clock.now())
    logger.info("retour reçu : %s", outcome.value)
    return outcome


def _receive_in_listener_thread(raw: bytes, recipients: list[str]) -> BounceOutcome:
    """Each message is read in a thread of the listener's pool: it opens its own database connection and
    closes it (a pool thread may be dropped at any time, and bounces are few)."""
    try:
        return receive(raw, recipients)
    finally:
        connection.close()


def listener_start(*, host: str, port: int) -> Listener:
    return smtp_inbox_start(host=host, port=port, accepts=accepts, receive=_receive_in_listener_thread)


def maildir_process(path: Path) -> Counter[BounceOutcome]:
    outcomes = maildir_read(path, receive, envelope_recipients)
    return Counter(outcome for outcome in outcomes if isinstance(outcome, BounceOutcome))
