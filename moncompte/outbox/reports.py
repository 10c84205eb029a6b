"""R-DLV2: reading delivery status notifications (RFC 3464) and complaints (ARF, RFC 5965) with the standard
`email` package, and saying in plain words what happened to the message."""

import hashlib
import logging
import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage, Message

from django.db.models import TextChoices

logger = logging.getLogger("moncompte.bounces")
MAX_REPORT_BYTES = 2 * 1024 * 1024  # reports are small (the returned message is usually cut)
HEADERS_READ = 64 * 1024
# Bounded, and never across a line end: a crafted header part must not cost quadratic time.
MESSAGE_ID = re.compile(r"^Message-ID:[ \t]*(<[^<>\r\n]{1,998}>)", re.IGNORECASE | re.MULTILINE)


class ReportKind(TextChoices):
    HARD = "hard", "adresse inexistante ou fermée"
    REFUSED = "refused", "refusé par la messagerie du destinataire"
    SOFT = "soft", "retardé (problème temporaire)"
    DELIVERED = "delivered", "remis dans la boîte du destinataire"
    COMPLAINT = "complaint", "signalé comme indésirable par le destinataire"


@dataclass(frozen=True)
class ParsedReport:
    kind: ReportKind
    status: str  # "5.1.1", or "" for a complaint
    diagnostic: str  # what the receiving server said, as it said it
    recipient: str  # the address the report is about
    reporter: str  # the server that wrote the report
    original_message_id: str  # from the returned headers, when the report carries them
    original_sender: str  # the envelope sender of the message reported on, when the report says it
    fingerprint: str  # the same report received twice has the same fingerprint


def _kind(action: str, status: str) -> ReportKind:
    if action == "delivered" or action == "relayed":
        return ReportKind.DELIVERED
    if action == "delayed" or status.startswith("4."):
        return ReportKind.SOFT
    # 5.1.x: no such mailbox, bad address; 5.2.1: mailbox disabled. Other 5.x.x refuse this message (policy,
    # content, reputation) and say nothing of the address itself.
    if re.match(r"5\.1\.\d+$", status) or status == "5.2.1":
        return ReportKind.HARD
    return ReportKind.REFUSED


def _fields(part: Message) -> list[Message]:
    """The header blocks of a message/delivery-status or message/feedback-report part. The email package parses
    every message/* part into a list of Messages (delivery-status: one per block), whatever its
    Content-Transfer-Encoding: a part given as text never reaches here (docs/mutation.md)."""
    payload = part.get_payload()
    return [block for block in payload if isinstance(block, Message)] if isinstance(payload, list) else []


def _address(value: str | None) -> str:
    """'rfc822; camille@example.fr' (a bounce's field) or '<camille@example.fr>' (a complaint's) →
    'camille@example.fr'."""
    text = value or ""
    return (text.partition(";")[2] if ";" in text else text).strip().strip("<>").strip()


def _original_message_id(report: Message) -> str:
    for part in report.walk():
        if part.get_content_type() in ("message/rfc822", "text/rfc822-headers"):
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            if isinstance(inner, Message) and inner.get("Message-ID"):
                return str(inner["Message-ID"]).strip()
            headers = str(payload)[:HEADERS_READ]
            found = MESSAGE_ID.search(headers)
            if found:
                return found[1]
    return ""


def parse_report(raw: bytes) -> ParsedReport | None:
    """The report in a bounce or complaint message; None when it is not one (an autoreply, spam, or
    something built to hurt the parser: anyone can write to the bounce address)."""
    if len(raw) > MAX_REPORT_BYTES:
        return None
    try:
        return _parse(raw)
    except Exception:
        logger.warning("message illisible ignoré (%s octets)", len(raw), exc_info=True)
        return None


def _parse(raw: bytes) -> ParsedReport | None:
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    if message.get_content_type() != "multipart/report":
        return None
    report_type = str(message.get_param("report-type") or "").lower()
    wanted = {"delivery-status": "message/delivery-status", "feedback-report": "message/feedback-report"}
    part = next((p for p in message.walk() if p.get_content_type() == wanted.get(report_type)), None)
    if part is None:
        return None
    blocks = _fields(part)
    if not blocks:
        return None
    fingerprint = hashlib.sha256(raw.replace(b"\r\n", b"\n").strip()).hexdigest()
    read = _complaint if report_type == "feedback-report" else _delivery_status
    return read(
        blocks, reporter=str(message.get("From", "")), original=_original_message_id(message), fingerprint=fingerprint
    )


def _complaint(blocks: list[Message], *, reporter: str, original: str, fingerprint: str) -> ParsedReport:
    feedback = blocks[0]
    return ParsedReport(
        kind=ReportKind.COMPLAINT,
        status="",
        diagnostic=f"Feedback-Type: {feedback.get('Feedback-Type', '')}".strip(),
        recipient=_address(feedback.get("Original-Rcpt-To")),
        reporter=str(feedback.get("Reported-Domain") or feedback.get("Source") or reporter),
        original_message_id=original,
        original_sender=_address(feedback.get("Original-Mail-From")).strip("<>"),
        fingerprint=fingerprint,
    )


def _delivery_status(blocks: list[Message], *, reporter: str, original: str, fingerprint: str) -> ParsedReport:
    per_message, recipients = blocks[0], blocks[1:] or blocks[:1]
    first = recipients[0]  # the service sends to one recipient per message
    action = str(first.get("Action", "")).strip().lower()
    status = (re.search(r"\d\.\d{1,3}\.\d{1,3}", str(first.get("Status", ""))) or [""])[0]
    return ParsedReport(
        kind=_kind(action, status),
        status=status,
        diagnostic=" ".join(str(first.get("Diagnostic-Code", "")).split())[:500],
        recipient=_address(first.get("Final-Recipient") or first.get("Original-Recipient")),
        reporter=_address(per_message.get("Reporting-MTA")) or reporter,
        original_message_id=original,
        original_sender=_address(per_message.get("X-Postfix-Sender")),
        fingerprint=fingerprint,
    )
