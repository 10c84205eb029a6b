"""A local SMTP server that keeps every message in a Maildir: the demo's mailbox (R-MAIL2), also used by
the tests as a real SMTP peer."""

import fcntl
import mailbox
import os
import secrets
import socket
import tempfile
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

# Ports handed out for servers the caller starts itself, below the kernel's ephemeral range (32768 and up on
# Linux): a port the kernel gave for a bind to port 0 is free only until the probe closes, so two processes side
# by side (CI's parallel parts) could both be handed it; and an outgoing connection could take it meanwhile.
_RESERVED_PORTS = range(20000, 32000)
_RESERVATIONS = Path(tempfile.gettempdir()) / "moncompte-ports"


def free_port() -> int:
    """A local port nobody listens on and no other process of ours was given: each is reserved by a lock on a
    file, held until this process ends (the kernel lets the lock go even after a kill -9)."""
    _RESERVATIONS.mkdir(exist_ok=True)
    start = secrets.randbelow(len(_RESERVED_PORTS))
    for offset in range(len(_RESERVED_PORTS)):
        port = _RESERVED_PORTS[(start + offset) % len(_RESERVED_PORTS)]
        reservation = os.open(_RESERVATIONS / str(port), os.O_CREAT | os.O_WRONLY, 0o600)
        try:
            fcntl.flock(reservation, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(reservation)
            continue
        if _bindable(port):
            return port  # the descriptor is never closed: the lock lasts as long as the process
        os.close(reservation)
    raise OSError(f"aucun port local libre de {_RESERVED_PORTS.start} à {_RESERVED_PORTS.stop - 1}")


def _bindable(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


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
