"""Enqueue (in the caller's transaction) and deliver (outside any transaction) emails. R-MAIL1."""

import logging
import secrets
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string

from moncompte.core import clock, tokens
from moncompte.core.terms import service_terms
from moncompte.outbox.models import DeliveryAttempt, EmailStatus, OutboundEmail
from moncompte.outbox.transport import DeliveryFailed, Transport

logger = logging.getLogger("moncompte.outbox")
MASK = "••••••••••"


def _render(template: str, context: dict[str, Any]) -> tuple[str, str, str]:
    subject = render_to_string(f"outbox/{template}.subject.txt", context).strip()
    return (
        subject,
        render_to_string(f"outbox/{template}.txt", context),
        render_to_string(f"outbox/{template}.html", context),
    )


def enqueue(
    *,
    template: str,
    to: str,
    now: datetime,
    context: dict[str, Any],
    secret_context: dict[str, str] | None = None,
    account_id: int | None = None,
) -> OutboundEmail:
    """Writes the email row. Call it inside the transaction of the change that causes the email."""
    secret_context = secret_context or {}
    base = {"site_url": settings.MONCOMPTE["SITE_URL"], "terms": service_terms(), **context}
    subject, text, html = _render(template, {**base, **secret_context})
    shown_text, shown_html = text, html
    for secret in secret_context.values():
        # Secrets are URL-safe and survive HTML escaping unchanged, so masking the rendering is exact.
        shown_text, shown_html = shown_text.replace(secret, MASK), shown_html.replace(secret, MASK)
    return OutboundEmail.objects.create(
        template=template,
        to_address=to,
        to_masked=tokens.mask_email(to),
        account_id=account_id,
        subject=subject,
        body_text=text,
        body_html=html,
        shown_text=shown_text,
        shown_html=shown_html,
        created_at=now,
        next_attempt_at=now,
    )


def build_message(email: OutboundEmail) -> EmailMessage:
    config = settings.MONCOMPTE
    # CRLF line ends and 7-bit transfer encodings: accepted by every SMTP server, 8BITMIME or not.
    message = EmailMessage(policy=policy.SMTP.clone(cte_type="7bit"))
    message["From"] = formataddr((config["FROM_NAME"], config["FROM_ADDRESS"]))
    message["To"] = email.to_address
    message["Subject"] = email.subject
    message["Date"] = format_datetime(email.created_at)
    message["Message-ID"] = email.message_id
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(email.body_text)
    message.add_alternative(email.body_html, subtype="html")
    return message


def claim_due(*, now: datetime) -> list[OutboundEmail]:
    """Takes due rows for this worker; other workers skip them (row locks, then a lease)."""
    config = settings.MONCOMPTE
    with transaction.atomic():
        rows = list(
            OutboundEmail.objects.select_for_update(skip_locked=True)
            .filter(status=EmailStatus.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id")[: config["OUTBOX_BATCH"]]
        )
        OutboundEmail.objects.filter(pk__in=[r.pk for r in rows]).update(next_attempt_at=now + config["OUTBOX_LEASE"])
    return rows


def _backoff(attempts: int) -> timedelta:
    config = settings.MONCOMPTE
    delay: timedelta = min(config["OUTBOX_RETRY_BASE"] * 2 ** max(0, attempts - 1), config["OUTBOX_RETRY_CAP"])
    return delay + timedelta(milliseconds=secrets.randbelow(1000))


def _deliver_one(email: OutboundEmail, transport: Transport) -> str:
    if not email.message_id:
        # Fixed before the first try, so a retry the server already accepted is recognisable downstream.
        email.message_id = make_msgid(domain=settings.MONCOMPTE["FROM_ADDRESS"].partition("@")[2])
        OutboundEmail.objects.filter(pk=email.pk).update(message_id=email.message_id)
    attempts = email.attempts + 1
    try:
        reply = transport.send(build_message(email))
    except DeliveryFailed as failure:
        return _failed(email, attempts=attempts, reply=failure.reply, permanent=failure.permanent)
    except Exception as error:  # one message that cannot be built or sent never holds back the others
        logger.exception("courriel %s (%s) : erreur à l'envoi", email.pk, email.template)
        permanent = isinstance(error, UnicodeError | ValueError | TypeError)  # the message itself is at fault
        return _failed(email, attempts=attempts, reply=f"erreur interne : {type(error).__name__}", permanent=permanent)
    at = clock.now()
    OutboundEmail.objects.filter(pk=email.pk).update(
        attempts=attempts, status=EmailStatus.SENT, sent_at=at, body_text="", body_html=""
    )
    DeliveryAttempt.objects.create(email=email, at=at, outcome="sent", smtp_reply=reply[:2000])
    logger.info("courriel %s (%s) remis : %s", email.pk, email.template, reply)
    return "sent"


def _failed(email: OutboundEmail, *, attempts: int, reply: str, permanent: bool) -> str:
    """Records a failed try on this message, which moves on: retried later, or given up (and then its
    stored copy keeps no code or link: only the masked copy support reads stays)."""
    at = clock.now()
    gave_up = permanent or at - email.created_at >= settings.MONCOMPTE["OUTBOX_GIVE_UP_AFTER"]
    outcome = "failed" if gave_up else "retry"
    redacted = {"body_text": "", "body_html": ""} if gave_up else {}
    OutboundEmail.objects.filter(pk=email.pk).update(
        attempts=attempts,
        status=EmailStatus.FAILED if gave_up else EmailStatus.PENDING,
        next_attempt_at=at + _backoff(attempts),
        **redacted,
    )
    DeliveryAttempt.objects.create(email=email, at=at, outcome=outcome, smtp_reply=reply[:2000])
    logger.warning("courriel %s (%s) : échec, %s : %s", email.pk, email.template, outcome, reply)
    return outcome


def deliver_due(*, transport: Transport) -> int:
    """Delivers every email that is due, outside any transaction. Returns how many were tried."""
    tried = 0
    while rows := claim_due(now=clock.now()):
        for email in rows:
            _deliver_one(email, transport)
            tried += 1
    return tried
