"""The seam to the outside world for email: SMTP configured by EMAIL_URL (R-MAIL2)."""

import smtplib
import ssl
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
    timeout: float = 15.0

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
        try:
            with self._connect() as smtp:
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
        except smtplib.SMTPResponseException as error:
            detail = error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) else ""
            raise DeliveryFailed(f"{error.smtp_code} {detail}", permanent=error.smtp_code >= 500) from error
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryFailed(f"connexion impossible : {error}", permanent=False) from error
