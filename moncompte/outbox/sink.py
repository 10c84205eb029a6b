"""A local SMTP server that keeps every message in a Maildir: the demo's mailbox (R-MAIL2), also used by
the tests as a real SMTP peer."""

import mailbox
import socket
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def ehlo_with_pipelining(session: Any, hostname: str, responses: list[str]) -> list[str]:
    """An aiosmtpd handler's EHLO answer that offers PIPELINING (RFC 2920), as Postfix does: aiosmtpd answers the
    commands of its buffer one after the other, so commands sent together get their answers in order."""
    session.host_name = hostname
    return [*responses[:-1], "250-PIPELINING", responses[-1]]


class PipeliningMailbox(Mailbox):
    async def handle_EHLO(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        return ehlo_with_pipelining(session, hostname, responses)


def sink_start(*, maildir: Path, port: int = 0, pipelining: bool = True) -> Controller:
    for folder in ("cur", "new", "tmp"):  # also repairs a folder left half-made
        (maildir / folder).mkdir(parents=True, exist_ok=True)
    handler = PipeliningMailbox(maildir) if pipelining else Mailbox(maildir)
    controller = Controller(handler, hostname="127.0.0.1", port=port or free_port())
    controller.start()
    return controller


@dataclass(frozen=True)
class Received:
    key: str
    message: EmailMessage

    @property
    def received_at(self) -> datetime:
        return parsedate_to_datetime(str(self.message["Date"]))

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part else ""

    @property
    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part else ""


def _parse(raw: bytes) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    return message


def received(maildir: Path) -> list[Received]:
    """Every message in the mailbox, newest first."""
    if not (maildir / "cur").exists():
        return []
    box = mailbox.Maildir(str(maildir), create=False)
    items = [Received(key=key, message=_parse(box.get_bytes(key))) for key in box.iterkeys()]
    return sorted(items, key=lambda item: (item.received_at, item.key), reverse=True)


def received_one(maildir: Path, key: str) -> Received | None:
    box = mailbox.Maildir(str(maildir), create=False)
    try:
        return Received(key=key, message=_parse(box.get_bytes(key)))
    except KeyError:
        return None
