"""R-DLV2: the SMTP listener for mail coming back takes messages for the addresses it accepts, byte for byte,
and refuses the others with a permanent error."""

import smtplib

import pytest

from moncompte.outbox.inbox import smtp_inbox_start
from moncompte.outbox.sink import free_port

# A report as some servers write it: Latin-1, not UTF-8; the listener must not try to decode it.
REPORT = b"Subject: =?iso-8859-1?q?Non_remis?=\r\n\r\nMessage non remis \xe0 son destinataire.\r\n"


@pytest.fixture
def inbox():
    received: list[tuple[bytes, list[str]]] = []
    port = free_port()
    listener = smtp_inbox_start(
        host="127.0.0.1",
        port=port,
        accepts=lambda address: address.startswith("bounces+"),
        receive=lambda raw, recipients: received.append((raw, recipients)),
    )
    yield port, received
    listener.stop()


def test_a_message_for_an_accepted_address_is_handed_over_byte_for_byte_R_DLV2(inbox):
    port, received = inbox
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        assert smtp.sendmail("", ["bounces+1-ab@moncompte.localhost"], REPORT) == {}
    [(raw, recipients)] = received
    assert raw.replace(b"\r\n", b"\n") == REPORT.replace(b"\r\n", b"\n")
    assert recipients == ["bounces+1-ab@moncompte.localhost"]


def test_another_recipient_is_refused_permanently_and_nothing_is_handed_over_R_DLV2(inbox):
    port, received = inbox
    with smtplib.SMTP("127.0.0.1", port) as smtp, pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        smtp.sendmail("", ["postmaster@moncompte.localhost"], REPORT)
    assert refused.value.recipients == {"postmaster@moncompte.localhost": (550, b"5.1.1 Destinataire inconnu")}
    assert received == []
