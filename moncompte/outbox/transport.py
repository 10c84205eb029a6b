"""The seam to the outside world for email: SMTP configured by EMAIL_URL (R-MAIL2)."""

import contextlib
import smtplib
import socket
import ssl
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit


class DeliveryFailed(Exception):
    def __init__(self, reply: str, *, permanent: bool) -> None:
        super().__init__(reply)
        self.reply = reply
        self.permanent = permanent


class Transport(Protocol):
    def send(self, message: EmailMessage, *, sender: str) -> str:
        """Hands the message over with `sender` as envelope sender (MAIL FROM, where bounces go); returns the
        server's reply. Raises DeliveryFailed."""


@dataclass(frozen=True)
class SmtpTransport:
    host: str
    port: int
    username: str = ""
    password: str = ""
    starttls: bool = False
    implicit_tls: bool = False
    timeout: float = 15.0  # for each step of the exchange
    # For the whole exchange: a relay that answers each step just in time must not keep a message past its
    # worker's lease (R-DLV1), or another worker would send it again.
    exchange_timeout: float = 120.0

    @classmethod
    def from_url(cls, url: str) -> "SmtpTransport":
        """smtp://[user:password@]host[:port][?tls=1]  (STARTTLS)  or  smtps://... (TLS from the start)."""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError(f"EMAIL_URL doit commencer par smtp:// ou smtps:// (reçu : {parts.scheme}://)")
        query = parse_qs(parts.query)
        implicit = parts.scheme == "smtps"
        return cls(
            host=parts.hostname or "localhost",
            port=parts.port or (465 if implicit else 25),
            username=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            starttls=query.get("tls", ["0"])[0] in ("1", "true", "yes"),
            implicit_tls=implicit,
        )

    def _connect(self) -> smtplib.SMTP:
        if self.implicit_tls:
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=ssl.create_default_context())
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.starttls:
            smtp.starttls(context=ssl.create_default_context())
        return smtp

    def send(self, message: EmailMessage, *, sender: str) -> str:
        cut = threading.Event()
        try:
            smtp = self._connect()
            watchdog = threading.Timer(self.exchange_timeout, _hang_up, args=(smtp, cut))
            watchdog.start()
            try:
                return self._exchange(smtp, message, sender)
            finally:
                watchdog.cancel()
                # Once DATA has its answer, a QUIT that fails changes nothing: never a reason to send again.
                with contextlib.suppress(smtplib.SMTPException, OSError):
                    smtp.quit()
                smtp.close()
        except smtplib.SMTPResponseException as error:
            detail = error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) else ""
            raise DeliveryFailed(f"{error.smtp_code} {detail}", permanent=error.smtp_code >= 500) from error
        except (smtplib.SMTPException, OSError) as error:
            if cut.is_set():
                said = f"échange interrompu après {self.exchange_timeout:.0f} s"
                raise DeliveryFailed(said, permanent=False) from error
            raise DeliveryFailed(f"connexion impossible : {error}", permanent=False) from error

    def _exchange(self, smtp: smtplib.SMTP, message: EmailMessage, sender: str) -> str:
        smtp.ehlo_or_helo_if_needed()
        if self.username:
            smtp.login(self.username, self.password)
        recipients = [a.addr_spec for a in message["To"].addresses]
        code, reply = smtp.mail(sender)
        if code != 250:
            raise DeliveryFailed(f"{code} {reply.decode(errors='replace')}", permanent=code >= 500)
        for recipient in recipients:
            code, reply = smtp.rcpt(recipient)
            if code not in (250, 251):
                raise DeliveryFailed(f"{code} {reply.decode(errors='replace')}", permanent=code >= 500)
        code, reply = smtp.data(message.as_bytes())
        text = f"{code} {reply.decode(errors='replace')}"
        if code != 250:
            raise DeliveryFailed(text, permanent=code >= 500)
        return text


def _hang_up(smtp: smtplib.SMTP, cut: threading.Event) -> None:
    """Ends an exchange that outlived its deadline: the blocked send or receive fails at once."""
    cut.set()
    if smtp.sock is not None:
        with contextlib.suppress(OSError):
            smtp.sock.shutdown(socket.SHUT_RDWR)
