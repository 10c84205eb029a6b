"""R-DLV3: every outgoing message is DKIM-signed when a key is configured, verified with the same library on
the bytes the SMTP server received."""

import base64
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from email import message_from_bytes
from typing import Any

import dkim
import pytest
from aiosmtpd.controller import Controller
from django.core.exceptions import ImproperlyConfigured

from moncompte.outbox.delivery import deliver_due
from moncompte.outbox.message import message_out
from moncompte.outbox.signing import SIGNED_HEADERS, configured_key
from moncompte.outbox.sink import free_port
from moncompte.outbox.transport import SmtpTransport
from tests.outbox.test_delivery import queue_code_email
from tests.outbox.test_message import UNSUBSCRIBE, notice

pytestmark = pytest.mark.django_db


class Capture:
    """An SMTP server keeping the exact bytes of each message (a Maildir would re-serialize them)."""

    def __init__(self) -> None:
        self.raw: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.raw.append(envelope.original_content)
        return "250 OK"


@pytest.fixture
def capture() -> Iterator[tuple[Capture, SmtpTransport]]:
    handler = Capture()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler, SmtpTransport(host=controller.hostname, port=controller.port)
    controller.stop()


@pytest.fixture
def dkim_record(tmp_path, settings) -> Iterator[bytes]:
    """A fresh RSA key for the test, and the TXT record a domain would publish for it."""
    key = tmp_path / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-traditional", "-out", str(key), "2048"], check=True, capture_output=True)
    public = subprocess.run(
        ["openssl", "rsa", "-in", str(key), "-pubout", "-outform", "DER"], check=True, capture_output=True
    ).stdout
    settings.MONCOMPTE = replace(settings.MONCOMPTE, dkim_selector="mc2026", dkim_private_key_file=str(key))
    configured_key.cache_clear()
    yield b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)
    configured_key.cache_clear()


def test_a_sent_message_carries_a_dkim_signature_that_verifies_R_DLV3(capture, dkim_record: bytes, now, traveller):
    handler, transport = capture
    queue_code_email(now)
    deliver_due(transport=transport)
    [raw] = handler.raw
    asked: list[bytes] = []

    def dns(name: bytes, timeout: int = 5) -> bytes:
        asked.append(name)
        return dkim_record

    assert dkim.verify(raw, dnsfunc=dns)
    assert asked == [b"mc2026._domainkey.moncompte.localhost."]
    tampered = raw.replace(b"Votre code provisoire", b"Votre code modifie")
    assert not dkim.verify(tampered, dnsfunc=dns)


def test_without_a_key_nothing_is_signed(capture, now, traveller):
    handler, transport = capture
    configured_key.cache_clear()
    queue_code_email(now)
    deliver_due(transport=transport)
    assert b"DKIM-Signature" not in handler.raw[0]


def test_half_a_dkim_configuration_is_refused_clearly(settings, tmp_path):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, dkim_selector="mc2026", dkim_private_key_file="")
    configured_key.cache_clear()
    with pytest.raises(ImproperlyConfigured, match="ensemble"):
        configured_key()
    settings.MONCOMPTE = replace(settings.MONCOMPTE, dkim_private_key_file=str(tmp_path / "absente.pem"))
    configured_key.cache_clear()
    with pytest.raises(ImproperlyConfigured, match="illisible"):
        configured_key()
    configured_key.cache_clear()


def test_the_signature_covers_the_headers_a_reader_sees_and_tolerates_a_relay_s_refolding_R_DLV3(
    capture, dkim_record: bytes, now, traveller
):
    """The headers signed are the listed ones, those the message lacks too (a relay cannot add a
    List-Unsubscribe to a transactional email without breaking the signature); relaxed canonicalization of
    header and body, so a relay that refolds a long header or trims trailing spaces does not break it."""
    handler, transport = capture
    queue_code_email(now)
    deliver_due(transport=transport)
    sent = message_from_bytes(handler.raw[0])
    assert "List-Unsubscribe" not in sent
    tags = dict(tag.strip().split("=", 1) for tag in str(sent["DKIM-Signature"]).split(";"))
    assert tags["c"] == "relaxed/relaxed"
    assert [name.strip() for name in tags["h"].split(":")] == [name.decode() for name in SIGNED_HEADERS]


def test_a_signed_notification_keeps_its_unsubscribe_address_on_one_plain_line_and_verifies_R_MSG7_R_DLV3(
    dkim_record: bytes, now
):
    raw = message_out(notice(now, promotional=True), now=now).as_bytes()
    assert f"List-Unsubscribe: <{UNSUBSCRIBE}>\r\n".encode() in raw  # not RFC 2047 words (RFC 2369)

    def dns(name: bytes, timeout: int = 5) -> bytes:
        return dkim_record

    assert dkim.verify(raw, dnsfunc=dns)
