"""The email as it goes out (delivery.py sends it): its headers and both parts, from the row queued by mail.py."""

import binascii
import contextlib
import functools
import re
import secrets
import sys
from dataclasses import dataclass
from datetime import datetime
from email import policy, quoprimime
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, formataddr
from typing import Any

from moncompte.core.conf import conf
from moncompte.outbox.models import OutboundEmail
from moncompte.outbox.signing import configured_key, dkim_sign


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


# CRLF line ends and 7-bit transfer encodings: accepted by every SMTP server, 8BITMIME or not. A header set raw
# (`set_raw`: List-Unsubscribe) is written as it is, never refolded: the package would encode a line it cannot
# fold (an address with no space in it) as RFC 2047 words, which RFC 2369 does not allow there.
OUTGOING = policy.SMTP.clone(cte_type="7bit", header_factory=_HeaderClasses(), refold_source="none")
LINE_LENGTH = 78  # OUTGOING's max_line_length, the email package's default


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
        unsubscribe = f"<{email.list_unsubscribe}>"
        if unsubscribe.isascii():  # one line, as RFC 2369 wants it (up to 998 characters: RFC 5322)
            message.set_raw("List-Unsubscribe", unsubscribe)
        else:  # a site address in Unicode: only encoded words can carry it
            message["List-Unsubscribe"] = unsubscribe
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(email.body_text)
    message.add_alternative(email.body_html, subtype="html")
    return message


@dataclass(frozen=True)
class Outgoing:
    """The message as it goes out: its bytes, and the envelope recipient (the To address). Read as an
    EmailMessage (`message["To"]`) by parsing the bytes, which only tests and tools do."""

    to: str
    data: bytes

    def as_bytes(self) -> bytes:
        return self.data

    @functools.cached_property
    def parsed(self) -> EmailMessage:
        parsed: EmailMessage = BytesParser(policy=OUTGOING).parsebytes(self.data)
        return parsed

    def __getitem__(self, name: str) -> Any:
        return self.parsed[name]


def message_out(email: OutboundEmail, *, now: datetime, boundary: str | None = None) -> Outgoing:
    """The bytes build_message would give, DKIM-signed when a key is configured (R-DLV3). Issue 24: the email
    package's modern API took ~1.3 ms of CPU per notification, a third of a worker's; a notification is the
    same message every time but for a few values, so its bytes are written here around them, each header as
    the email package folds it (a value it would fold or encode is folded by it), the parts encoded by the
    same rules (tests/outbox/test_message.py compares them byte for byte). `boundary`: the tests' own."""
    to = email.to_address
    # A signature is over the package's bytes (its header added at their end); an address the package would
    # quote or encode is written by it.
    if configured_key() is not None or not _ADDRESS.fullmatch(to):
        message = build_message(email, now=now)
        if boundary is not None:
            message.set_boundary(boundary)
        dkim_sign(message)
        parsed = message["To"].addresses  # the envelope's recipient as the package reads the header
        return Outgoing(to=parsed[0].addr_spec if parsed else to, data=message.as_bytes())
    head = [_from_line(), _header("To", to), _subject_line(email.subject), _header("Date", format_datetime(now))]
    head += [_header("Message-ID", email.message_id), b"Auto-Submitted: auto-generated\r\n"]
    if email.list_unsubscribe:  # R-MSG7, as in build_message
        head += [_unsubscribe_line(f"<{email.list_unsubscribe}>"), _UNSUBSCRIBE_POST]
    text, html = _part("plain", email.body_text), _part("html", email.body_html, b"MIME-Version: 1.0\r\n")
    chosen = boundary or _boundary(text + html)
    mark = chosen.encode()
    head.append(b'MIME-Version: 1.0\r\nContent-Type: multipart/alternative;\r\n boundary="%s"\r\n\r\n' % mark)
    body = b"--%s\r\n%s\r\n--%s\r\n%s\r\n--%s--\r\n" % (mark, text, mark, html, mark)
    return Outgoing(to=to, data=b"".join(head) + body)


# An address written as it is by the email package: a dot-atom on each side of the "@", in ASCII.
_ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
)
# A value the email package writes unchanged when its line is short enough: printable ASCII words between single
# spaces, and no "=?" that it would read as an encoded word.
_PLAIN = re.compile(r"(?!.*=\?)[!-~]+(?: [!-~]+)*")
_UNSUBSCRIBE_POST = b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"


def _header(name: str, value: str) -> bytes:
    """One header line as the email package writes it with OUTGOING."""
    if len(name) + 2 + len(value) <= LINE_LENGTH and _PLAIN.fullmatch(value):
        return f"{name}: {value}\r\n".encode("ascii")
    return _folded(name, value)


def _unsubscribe_line(value: str) -> bytes:
    """As build_message writes it: one line when it is ASCII (set raw, never refolded)."""
    return f"List-Unsubscribe: {value}\r\n".encode("ascii") if value.isascii() else _header("List-Unsubscribe", value)


def _folded(name: str, value: str) -> bytes:
    return OUTGOING.fold_binary(name, OUTGOING.header_store_parse(name, value)[1])


@functools.lru_cache(maxsize=4)
def _from_line_of(name: str, address: str) -> bytes:
    return _folded("From", formataddr((name, address)))


def _from_line() -> bytes:
    config = conf()
    return _from_line_of(config.from_name, config.from_address)


@functools.lru_cache(maxsize=64)  # a campaign's notifications share their subject
def _subject_line(subject: str) -> bytes:
    return _folded("Subject", subject)


def _part(subtype: str, text: str, extra: bytes = b"") -> bytes:
    """A text part as EmailMessage.set_content / add_alternative write it (their MIME-Version included)."""
    encoding, payload = _encoded(text)
    head = b'Content-Type: text/%s; charset="utf-8"\r\nContent-Transfer-Encoding: %s\r\n%s\r\n'
    return head % (subtype.encode(), encoding.encode(), extra) + _CRLF.sub("\r\n", payload).encode("ascii")


_CRLF = re.compile(r"\r\n|\r|\n")


def _encoded(text: str) -> tuple[str, str]:
    """The transfer encoding and payload email.contentmanager chooses for `text` in UTF-8 under a 7-bit policy
    (its _encode_text, which is private)."""
    lines = text.encode("utf-8").splitlines()
    limit = LINE_LENGTH
    if max((len(line) for line in lines), default=0) <= limit:
        with contextlib.suppress(UnicodeDecodeError):
            return "7bit", (b"\n".join(lines) + b"\n").decode("ascii")
    sniff = b"\r\n".join(lines[:10]) + b"\r\n"
    sniff_qp = quoprimime.body_encode(sniff.decode("latin-1"), limit)
    if len(sniff_qp) > len(binascii.b2a_base64(sniff)):
        whole = b"\r\n".join(lines) + b"\r\n"
        step = limit // 4 * 3
        return "base64", "".join(
            binascii.b2a_base64(whole[i : i + step]).decode("ascii") for i in range(0, len(whole), step)
        )
    if len(lines) <= 10:
        return "quoted-printable", sniff_qp
    # The encoding is line by line (each line ends with its own), so the sniffed lines are not encoded twice:
    # the same payload as encoding the whole, in a quarter less time for a notification's parts (issue 24).
    rest = quoprimime.body_encode((b"\n".join(lines[10:]) + b"\n").decode("latin-1"), limit)
    return "quoted-printable", sniff_qp + rest


def _boundary(parts: bytes) -> str:
    """As the email package draws it (generator.Generator._make_boundary): a line of the parts never matches."""
    while True:
        drawn = "=" * 15 + f"{secrets.randbelow(sys.maxsize):019d}" + "=="
        if f"--{drawn}".encode() not in parts:
            return drawn
