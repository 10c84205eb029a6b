"""The seam to the outside world for email: SMTP configured by EMAIL_URL (R-MAIL2)."""

import contextlib
import re
import smtplib
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from moncompte.outbox.message import Outgoing
from moncompte.outbox.send_deadline import SendDeadline


class DeliveryFailed(Exception):
    """No "250" for the message. `unknown`: the whole message went out and the server said nothing in time, so
    it may well have it (RFC 1047); never a sign that it was not sent (R-DLV1)."""

    def __init__(self, reply: str, *, permanent: bool, unknown: bool = False) -> None:
        super().__init__(reply)
        self.reply = reply
        self.permanent = permanent
        self.unknown = unknown


class _Stale(Exception):
    """A connection kept from an earlier message was closed by the server before this message began."""


class _ImplicitTls(smtplib.SMTP_SSL):
    """smtplib's SMTP_SSL, but the connection's `sock` is set before the TLS handshake: smtplib sets it only once
    the handshake is over, so the send's deadline (or a lost claim) could not hang up a relay that never ends its
    handshake, or trickles it with each read within the step's timeout."""

    def __init__(self, server_hostname: str, *, timeout: float, context: ssl.SSLContext) -> None:
        self.server_hostname = server_hostname  # the name the relay's certificate is checked against
        super().__init__(timeout=timeout, context=context)

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        plain = socket.create_connection((host, port), timeout)  # no source address: the constructor never gets one
        tls = self.context.wrap_socket(plain, server_hostname=self.server_hostname, do_handshake_on_connect=False)
        self.sock = tls
        tls.do_handshake()
        return tls


@dataclass
class _Connection:
    smtp: smtplib.SMTP
    messages: int = 0
    last_used: float = field(default_factory=time.monotonic)


class Transport(Protocol):
    def send(self, message: Outgoing, *, sender: str) -> str:
        """Hands the message over with `sender` as envelope sender (MAIL FROM, where bounces go); returns the
        server's reply. Raises DeliveryFailed."""


@dataclass
class SmtpTransport:
    host: str
    port: int
    username: str = ""
    password: str = ""
    starttls: bool = False
    implicit_tls: bool = False
    timeout: float = 15.0  # for each step of the exchange
    # For the whole exchange up to the end of the message: a relay that answers each step just in time must not
    # keep a sender (a web process) busy for ever.
    exchange_timeout: float = 120.0
    # Once the whole message is out, how long the server has to answer. Giving up sooner turns a message the
    # server has into an unknown outcome (RFC 1047): the worker waits 2 minutes (RFC 5321 §4.5.3.2.6 allows a
    # server 10; systemd stops a worker after 150 s), a web process less (R-DLV1).
    reply_timeout: float = 120.0
    # With `keep_idle` > 0 (the worker's), messages that follow each other share one connection (no TCP, TLS and
    # EHLO per message, and relays count connections): closed after `keep_idle` seconds without a message or
    # after `messages_per_connection` messages. At 0, one connection per message, closed at once.
    keep_idle: float = 0.0
    messages_per_connection: int = 100
    _kept: _Connection | None = field(default=None, init=False, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)
    _sending: SendDeadline | None = field(default=None, init=False, repr=False, compare=False)

    @classmethod
    def from_url(cls, url: str, *, keep_idle: float = 0.0) -> "SmtpTransport":
        """smtp://[user:password@]host[:port][?tls=1]  (STARTTLS)  or  smtps://... (TLS from the start)."""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError(f"EMAIL_URL doit commencer par smtp:// ou smtps:// (reçu : {parts.scheme}://)")
        query = parse_qs(parts.query)
        implicit = parts.scheme == "smtps"
        username, password = unquote(parts.username or ""), unquote(parts.password or "")
        if not (username.isascii() and password.isascii()):
            # smtplib sends the account in ASCII only: every email would fail at AUTH, each taken for its own fault.
            raise ValueError("EMAIL_URL : le compte et le mot de passe du relais SMTP doivent être en ASCII")
        return cls(
            host=parts.hostname or "localhost",
            port=parts.port or (465 if implicit else 25),
            username=username,
            password=password,
            starttls=query.get("tls", ["0"])[0] in ("1", "true", "yes"),
            implicit_tls=implicit,
            keep_idle=keep_idle,
        )

    def _connect(self, current: list[smtplib.SMTP]) -> smtplib.SMTP:
        """Connects under the deadline of the send: the object is in `current` before the connection starts,
        so a server that trickles its greeting or its TLS handshake is hung up on too."""
        smtp: smtplib.SMTP
        if self.implicit_tls:
            smtp = _ImplicitTls(self.host, timeout=self.timeout, context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(timeout=self.timeout)
        # smtplib checks the relay's certificate at STARTTLS against the name its constructor was given, and a
        # constructor given the name connects at once, outside the deadline: the name is set here.
        smtp._host = self.host  # type: ignore[attr-defined]  # (not in typeshed)
        current.append(smtp)
        code, greeting = smtp.connect(self.host, self.port)
        if code != 220:  # turned away at once (RFC 5321 §3.1): smtplib's constructor raises this, connect() does not
            raise smtplib.SMTPConnectError(code, greeting)
        if self.starttls:
            smtp.starttls(context=ssl.create_default_context())
        return smtp

    def send(self, message: Outgoing, *, sender: str) -> str:
        """One deadline (`exchange_timeout`) covers everything: connecting, a kept connection found closed and
        replaced, the whole exchange. It keeps a send within its claim's lease (R-DLV1)."""
        with self._lock:
            deadline = self._sending = SendDeadline(self.exchange_timeout)
            try:
                return self._send_within(message, sender, deadline=deadline)
            finally:
                deadline.cancel()
                self._sending = None

    def abort(self) -> None:
        """Hangs up the send under way, if any, at once (its claim is being lost: R-DLV1). Any thread."""
        sending = self._sending
        if sending is not None:
            sending.aborted = True
            sending.hang_up()

    def _send_within(self, message: Outgoing, sender: str, *, deadline: SendDeadline) -> str:
        kept, self._kept = self._kept, None
        if kept is not None and time.monotonic() - kept.last_used <= self.keep_idle:
            deadline.current.append(kept.smtp)
            try:
                return self._send_on(kept, message, sender, reused=True, deadline=deadline)
            except _Stale:
                pass  # nothing of this message reached the server: it goes on a new connection
        elif kept is not None:
            _quit(kept.smtp)
        try:
            if deadline.cut.is_set():
                raise OSError("délai écoulé")
            fresh = _Connection(self._connect(deadline.current))
        except (smtplib.SMTPException, OSError) as error:
            for smtp in deadline.current:
                smtp.close()
            raise _failure(error, deadline=deadline) from error
        return self._send_on(fresh, message, sender, reused=False, deadline=deadline)

    def close(self) -> None:
        """Ends the connection kept for the next message (the worker calls it when it stops)."""
        with self._lock:
            kept, self._kept = self._kept, None
        if kept is not None:
            _quit(kept.smtp)

    def _send_on(
        self, connection: _Connection, message: Outgoing, sender: str, *, reused: bool, deadline: SendDeadline
    ) -> str:
        ended = threading.Event()  # set once the last byte of the message has left
        try:
            reply = self._exchange(
                connection.smtp,
                message,
                sender,
                reused=reused and not deadline.cut.is_set(),
                ended=lambda: self._message_out(connection.smtp, deadline, ended),
            )
        except _Stale:
            connection.smtp.close()
            raise
        except Exception as error:
            # A refused or broken exchange leaves the connection in no known state: never used again.
            _quit(connection.smtp)
            if ended.is_set() and deadline.cut.is_set():
                # Hung up while the answer to the message was read: what was read of it (a 4 trickled, "25" of a
                # 250) is not the server's answer. The server has the whole message: whether it took it is unknown.
                raise _failure(OSError("réponse coupée"), deadline=deadline, ended=True) from error
            if isinstance(error, (smtplib.SMTPException, OSError)):
                raise _failure(error, deadline=deadline, ended=ended.is_set()) from error
            raise
        connection.messages += 1
        connection.last_used = time.monotonic()
        if self.keep_idle > 0 and connection.messages < self.messages_per_connection:
            self._kept = connection
        else:
            _quit(connection.smtp)  # once DATA has its answer, a failing QUIT never means sending again
        return reply

    def _exchange(
        self, smtp: smtplib.SMTP, message: Outgoing, sender: str, *, reused: bool, ended: Callable[[], None]
    ) -> str:
        if smtp.sock is not None:  # a kept connection still has the longer wait of its last answer
            smtp.sock.settimeout(self.timeout)
        if not reused:
            smtp.ehlo_or_helo_if_needed()
            if self.username:
                smtp.login(self.username, self.password)
        recipients = [message.to]
        # RFC 2920: a server that offers PIPELINING gets MAIL, RCPT and DATA in one write, and its answers are
        # read in order after it: one round trip instead of three. Nothing of the message is sent before DATA's
        # 354, so an answer refused on the way leaves the server with no message, as without pipelining.
        pipelined = smtp.has_extn("pipelining")
        try:
            if pipelined:
                envelope = [f"MAIL FROM:{smtplib.quoteaddr(sender)}"]
                envelope += [f"RCPT TO:{smtplib.quoteaddr(recipient)}" for recipient in recipients]
                smtp.send("".join(f"{command}\r\n" for command in [*envelope, "DATA"]))
                code, reply = smtp.getreply()
            else:
                code, reply = smtp.mail(sender)
        except (smtplib.SMTPServerDisconnected, OSError) as error:
            if reused:  # the server hung up while the connection waited: nothing of this message was sent
                raise _Stale() from error
            raise
        if reused and code == 421:  # "closing the channel": the same, said politely
            raise _Stale()
        if code != 250:
            raise DeliveryFailed(f"{code} {reply.decode(errors='replace')}", permanent=code >= 500)
        for recipient in recipients:
            code, reply = smtp.getreply() if pipelined else smtp.rcpt(recipient)
            if code not in (250, 251):
                raise DeliveryFailed(f"{code} {reply.decode(errors='replace')}", permanent=code >= 500)
        code, reply = _data(smtp, message.as_bytes(), ended=ended, sent=pipelined)
        text = f"{code} {reply.decode(errors='replace')}"
        if code != 250:
            raise DeliveryFailed(text, permanent=code >= 500)
        return text

    def _message_out(self, smtp: smtplib.SMTP, deadline: SendDeadline, ended: threading.Event) -> None:
        """The last byte is out: from now on, giving up means not knowing (R-DLV1). The server gets
        `reply_timeout` to answer, whatever was left of the exchange's deadline."""
        ended.set()
        if not deadline.cut.is_set():
            deadline.move(self.reply_timeout)
            if smtp.sock is not None:
                smtp.sock.settimeout(self.reply_timeout)


def _data(smtp: smtplib.SMTP, content: bytes, *, ended: Callable[[], None], sent: bool) -> tuple[int, bytes]:
    """smtplib's DATA, telling `ended` when the whole message has left and only the answer is awaited. `sent`:
    the command went out with the envelope (pipelined), only its answer is read."""
    code, reply = smtp.getreply() if sent else smtp.docmd("data")
    if code != 354:
        raise smtplib.SMTPDataError(code, reply)
    payload = re.sub(rb"(?m)^\.", b"..", content)  # dot-stuffing (RFC 5321 §4.5.2), as smtplib does
    if not payload.endswith(b"\r\n"):
        payload += b"\r\n"
    smtp.send(payload + b".\r\n")
    ended()
    return smtp.getreply()


def _failure(error: Exception, *, deadline: SendDeadline, ended: bool = False) -> DeliveryFailed:
    if isinstance(error, smtplib.SMTPResponseException):
        detail = error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) else ""
        return DeliveryFailed(f"{error.smtp_code} {detail}", permanent=error.smtp_code >= 500)
    if ended:  # the server has every byte of the message: whether it took it, only its answer could say
        return DeliveryFailed(
            f"message transmis en entier, pas de réponse du serveur ({str(error) or 'délai écoulé'}) : "
            "il l'a peut-être reçu",
            permanent=False,
            unknown=True,
        )
    if deadline.cut.is_set():
        why = " : bail perdu" if deadline.aborted else f" après {deadline.seconds:.0f} s"
        return DeliveryFailed(f"échange interrompu{why}", permanent=False)
    return DeliveryFailed(f"connexion impossible : {error}", permanent=False)


def _quit(smtp: smtplib.SMTP) -> None:
    with contextlib.suppress(OSError):  # smtplib's errors are OSErrors too
        smtp.quit()
    smtp.close()
