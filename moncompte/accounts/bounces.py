"""R-DLV2: a bounce or a complaint arrives; it is attached to the message its envelope sender names, and a
hard bounce marks the address undeliverable, which the person is told at the next sign-in and support sees."""

import logging
import re
from collections.abc import Iterable
from datetime import datetime
from email import message_from_bytes, policy
from enum import Enum

from django.db import IntegrityError, transaction

from moncompte.accounts.emails import canonical
from moncompte.accounts.models import EmailAddress
from moncompte.audit import log as audit
from moncompte.core import metrics
from moncompte.outbox.models import DeliveryReport, OutboundEmail
from moncompte.outbox.providers import provider_of
from moncompte.outbox.reports import HEADERS_READ, ParsedReport, ReportKind, parse_report
from moncompte.outbox.verp import email_id_from

logger = logging.getLogger("moncompte.bounces")
# Where a mailbox keeps the address a message was delivered to (for reports read from a Maildir).
ENVELOPE_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "To")


class BounceOutcome(Enum):
    RECORDED = "enregistré"
    DUPLICATE = "déjà reçu"
    FORGED = "refusé : ne désigne aucun de nos messages"
    NOT_A_REPORT = "ignoré : ni rapport de remise ni plainte"


# Bounded on both sides of the @: a long header without one must not cost quadratic time.
ADDRESS = re.compile(r"[^\s<>,;\"@]{1,64}@[^\s<>,;\"@]{1,255}")


def envelope_recipients(raw: bytes) -> list[str]:
    """The addresses a message read from a mailbox was delivered to, as the mailbox recorded them."""
    try:
        message = message_from_bytes(raw[:HEADERS_READ], policy=policy.compat32)
        values = [str(value)[:1000] for name in ENVELOPE_HEADERS for value in message.get_all(name, [])]
    except Exception:
        return []
    return [address for value in values for address in ADDRESS.findall(value)]


def _email_named(recipients: Iterable[str], report: ParsedReport) -> OutboundEmail | None:
    for recipient in [*recipients, report.original_sender]:
        email_id = email_id_from(recipient)
        if email_id is not None:
            return OutboundEmail.objects.filter(pk=email_id).first()
    if report.kind is ReportKind.COMPLAINT and report.original_message_id:
        # Feedback loops write to one fixed address; the complained-of message is named by its Message-ID,
        # which is ours and random.
        return OutboundEmail.objects.filter(message_id=report.original_message_id).first()
    return None


def bounce_receive(*, raw: bytes, recipients: Iterable[str], now: datetime) -> BounceOutcome:
    report = parse_report(raw)
    if report is None:
        return BounceOutcome.NOT_A_REPORT
    email = _email_named(recipients, report)
    if email is None:
        logger.warning("rapport %s refusé : il ne désigne aucun de nos messages", report.fingerprint[:12])
        return BounceOutcome.FORGED
    try:
        with transaction.atomic():
            DeliveryReport.objects.create(
                email=email,
                received_at=now,
                kind=report.kind,
                status=report.status,
                diagnostic=report.diagnostic,
                reporter=report.reporter[:200],
                fingerprint=report.fingerprint,
            )
            metrics.after_commit(metrics.email_reports.labels(report.kind.value, provider_of(email.to_address)).inc)
            if report.kind is ReportKind.HARD:
                _mark_undeliverable(email, report, now=now)
            audit.record(
                event="email_reported",
                now=now,
                account_id=email.account_id,
                email_id=email.pk,
                kind=report.kind.value,
                status=report.status,
            )
    except IntegrityError:
        return BounceOutcome.DUPLICATE
    logger.info("courriel %s : %s (%s)", email.pk, report.kind.label, report.status or "plainte")
    return BounceOutcome.RECORDED


def _mark_undeliverable(email: OutboundEmail, report: ParsedReport, *, now: datetime) -> None:
    if email.account_id is None:
        return
    EmailAddress.objects.filter(account_id=email.account_id, canonical=canonical(email.to_address)).update(
        undeliverable_at=now, undeliverable_reason=report.diagnostic or report.kind.label
    )
