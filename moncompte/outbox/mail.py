"""Enqueue emails in the caller's transaction (R-MAIL1): the row, rendered, with a copy masked for support.
message.py builds it as it goes out, delivery.py sends it."""

from datetime import datetime
from typing import Any

from django.template.loader import render_to_string

from moncompte.core import metrics, tokens
from moncompte.core.conf import conf
from moncompte.core.request_context import current_request_id
from moncompte.core.service_terms import service_terms
from moncompte.outbox import send_after_response
from moncompte.outbox.message import new_message_id
from moncompte.outbox.models import OutboundEmail
from moncompte.outbox.providers import provider_of
from moncompte.outbox.wakeup import wake_on_commit

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
    list_unsubscribe: str = "",
) -> OutboundEmail:
    """Writes the email row. Call it inside the transaction of the change that causes the email."""
    secret_context = secret_context or {}
    base = {"site_url": conf().site_url, "terms": service_terms(), **context}
    subject, text, html = _render(template, {**base, **secret_context})
    shown_text, shown_html = text, html
    for secret in secret_context.values():
        # Secrets are URL-safe and survive HTML escaping unchanged, so masking the rendering is exact.
        shown_text, shown_html = shown_text.replace(secret, MASK), shown_html.replace(secret, MASK)
    metrics.after_commit(metrics.emails_enqueued.labels(template, provider_of(to)).inc)
    email = OutboundEmail.objects.create(
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
        next_attempt_at=now + (grace := send_after_response.grace()),
        message_id=new_message_id(),
        request_id=current_request_id(),
        list_unsubscribe=list_unsubscribe,
    )
    if grace:  # this request sends it once answered; workers take it after the grace if it could not
        send_after_response.remember(email.pk)
    else:
        wake_on_commit()  # after the row: outside a transaction, the worker is woken at once
    return email
