"""Enqueue emails in the caller's transaction (R-MAIL1): the row, rendered, with a copy masked for support.
message.py builds it as it goes out, delivery.py sends it."""

import functools
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from moncompte.core import metrics, tokens
from moncompte.core.conf import conf
from moncompte.core.queries import row_insert
from moncompte.core.request_context import current_request_id
from moncompte.core.service_terms import ServiceTerms, service_terms
from moncompte.outbox import send_after_response
from moncompte.outbox.message import new_message_id
from moncompte.outbox.models import Lane, OutboundEmail
from moncompte.outbox.providers import provider_of
from moncompte.outbox.rendering import Rendered, render_many, render_one
from moncompte.outbox.wakeup import wake_on_commit

MASK = "••••••••••"


@dataclass(frozen=True)
class Outgoing:
    """One email to queue: to whom, what its template is given, and what must be masked in the support's copy."""

    to: str
    context: dict[str, Any]
    secret_context: dict[str, str] = field(default_factory=dict)
    account_id: int | None = None
    list_unsubscribe: str = ""


def _context(outgoing: Outgoing, terms: ServiceTerms) -> dict[str, Any]:
    return {"site_url": conf().site_url, "terms": terms, **outgoing.context, **outgoing.secret_context}


def _row(
    template: str, outgoing: Outgoing, rendered: Rendered, *, now: datetime, lane: Lane, due: datetime
) -> OutboundEmail:
    """The email's row, from its renderings, not yet saved."""
    subject, text, html = rendered
    shown_text, shown_html = text, html
    for secret in outgoing.secret_context.values():
        # Secrets are URL-safe and survive HTML escaping unchanged, so masking the rendering is exact.
        shown_text, shown_html = shown_text.replace(secret, MASK), shown_html.replace(secret, MASK)
    return OutboundEmail(
        template=template,
        to_address=outgoing.to,
        to_masked=tokens.mask_email(outgoing.to),
        account_id=outgoing.account_id,
        subject=subject,
        body_text=text,
        body_html=html,
        shown_text=shown_text,
        shown_html=shown_html,
        created_at=now,
        next_attempt_at=due,
        message_id=new_message_id(),
        request_id=current_request_id(),
        list_unsubscribe=outgoing.list_unsubscribe,
        lane=lane,
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
    lane: Lane = Lane.FIRST,
) -> OutboundEmail:
    """Writes the email row. Call it inside the transaction of the change that causes the email. A notification
    of the message box goes in its own lane, behind codes and links (R-DLV5)."""
    outgoing = Outgoing(to, context, secret_context or {}, account_id, list_unsubscribe)
    grace = send_after_response.grace()
    rendered = render_one(template, _context(outgoing, service_terms()))
    email = _row(template, outgoing, rendered, now=now, lane=lane, due=now + grace)
    # Issue 22: the rows of the journey's emails (the provisional code, the link); written by the ORM's save(),
    # `enqueue` was 1.0 % of the web processes' Python time under SQLCompiler.execute_sql alone (py-spy --gil
    # during `bench.journey_bench --redis`): the same INSERT, on a cursor.
    row_insert(email)
    metrics.after_commit(metrics.emails_enqueued.labels(template, provider_of(to)).inc)
    if grace:  # this request sends it once answered; workers take it after the grace if it could not
        send_after_response.remember(email.pk)
    else:
        wake_on_commit()  # after the row: outside a transaction, the worker is woken at once
    return email


def enqueue_many(*, template: str, outgoing: Iterable[Outgoing], now: datetime, lane: Lane) -> int:
    """Writes many emails of one template in one statement per thousand (a campaign's notifications: R-MSG5,
    R-DLV5), in the caller's transaction; the workers are woken once. Returns how many."""
    return len(emails_enqueue(template=template, outgoing=outgoing, now=now, lane=lane))


def emails_enqueue(*, template: str, outgoing: Iterable[Outgoing], now: datetime, lane: Lane) -> list[OutboundEmail]:
    """enqueue_many, giving back the rows written, with their ids (R-MSG13 notes which letter each announced)."""
    items, terms = list(outgoing), service_terms()
    rendered = render_many(template, [_context(item, terms) for item in items])
    rows = [_row(template, item, each, now=now, lane=lane, due=now) for item, each in zip(items, rendered, strict=True)]
    OutboundEmail.objects.bulk_create(rows, batch_size=1000)
    for provider, count in Counter(provider_of(row.to_address) for row in rows).items():
        metrics.after_commit(functools.partial(metrics.emails_enqueued.labels(template, provider).inc, count))
    if rows:
        wake_on_commit()
    return rows
