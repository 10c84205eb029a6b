"""Mail coming back (R-DLV2): an SMTP listener (aiosmtpd) or a Maildir, handing each message to a function
of the layer above. The outbox stays the only part of the service that talks SMTP."""

import asyncio
import mailbox
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from moncompte.outbox.reports import MAX_REPORT_BYTES

Receive = Callable[[bytes, list[str]], object]  # (raw message, envelope recipients) -> outcome
Listener = Controller  # .stop() ends it


class _Handler:
    def __init__(self, *, accepts: Callable[[str], bool], receive: Receive) -> None:
        self.accepts, self.receive = accepts, receive

    async def handle_RCPT(  # noqa: N802 - the hook names are aiosmtpd's
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if not self.accepts(address):
            return "550 5.1.1 Destinataire inconnu"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        raw = envelope.original_content  # the bytes received, whatever aiosmtpd's decode_data
        # The receiving function uses the ORM, which is synchronous: a worker thread, never the event loop.
        await asyncio.to_thread(self.receive, raw, list(envelope.rcpt_tos))
        return "250 OK"


def smtp_inbox_start(*, host: str, port: int, accepts: Callable[[str], bool], receive: Receive) -> Listener:
    handler = _Handler(accepts=accepts, receive=receive)
    # Reports are small (the returned message is usually cut); anything larger is refused, not read.
    controller = Controller(handler, hostname=host, port=port, data_size_limit=MAX_REPORT_BYTES)
    controller.start()
    return controller


def maildir_read(path: Path, receive: Receive, recipients_of: Callable[[bytes], list[str]]) -> list[object]:
    """Hands every message of the Maildir to `receive`, then deletes it: what it reports is in the database,
    and a returned message may carry a code or a link. A database failure stops the reading and leaves the
    messages for the next run; an unreadable message is reported as such by `receive`, never stops it."""
    box = mailbox.Maildir(str(path), create=False)
    outcomes: list[object] = []
    for key in list(box.iterkeys()):
        try:
            raw = box.get_bytes(key)
        except (KeyError, OSError):
            continue  # taken meanwhile by another reader
        outcomes.append(receive(raw[: MAX_REPORT_BYTES + 1], recipients_of(raw)))
        box.discard(key)
    return outcomes
