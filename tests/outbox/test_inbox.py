"""R-DLV2: the SMTP listener for mail coming back takes messages for the addresses it accepts, byte for byte,
and refuses the others with a permanent error; a Maildir is read whole, each message then deleted."""

import mailbox
import smtplib
from pathlib import Path

import pytest

from moncompte.outbox.inbox import maildir_read, smtp_inbox_start
from moncompte.outbox.reports import MAX_REPORT_BYTES
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


def maildir_with(path: Path, *messages: bytes) -> mailbox.Maildir:
    box = mailbox.Maildir(str(path), create=True)
    for raw in messages:
        box.add(raw)
    return box


def test_a_maildir_is_read_whole_each_message_handed_over_then_deleted_R_DLV2(tmp_path):
    box = maildir_with(tmp_path / "retours", REPORT, REPORT + b"2", REPORT + b"3")
    handed: list[bytes] = []

    def receive(raw: bytes, _: list[str]) -> int:
        handed.append(raw)
        return len(raw)

    outcomes = maildir_read(tmp_path / "retours", receive, lambda _: [])
    assert sorted(handed) == sorted([REPORT, REPORT + b"2", REPORT + b"3"])
    assert outcomes == [len(raw) for raw in handed]
    assert len(box) == 0


def test_a_message_taken_meanwhile_by_another_reader_is_skipped_not_the_rest(tmp_path, monkeypatch):
    maildir_with(tmp_path / "retours", REPORT, REPORT, REPORT)
    original, calls = mailbox.Maildir.get_bytes, []

    def taken_first(box: mailbox.Maildir, key: str) -> bytes:
        calls.append(key)
        if len(calls) == 1:
            raise KeyError(key)  # another reader deleted it between the listing and the reading
        return original(box, key)

    monkeypatch.setattr(mailbox.Maildir, "get_bytes", taken_first)
    assert len(maildir_read(tmp_path / "retours", lambda raw, _: raw, lambda _: [])) == 2


def test_a_message_too_large_to_be_a_report_is_handed_over_cut_just_past_the_limit_R_DLV2(tmp_path):
    maildir_with(tmp_path / "retours", REPORT + b"x" * MAX_REPORT_BYTES)
    [length] = maildir_read(tmp_path / "retours", lambda raw, _: len(raw), lambda _: [])
    assert length == MAX_REPORT_BYTES + 1  # one byte more than a report may have: the receiver refuses it


def test_reading_a_maildir_that_does_not_exist_never_creates_it(tmp_path):
    with pytest.raises(mailbox.NoSuchMailboxError):
        maildir_read(tmp_path / "absent", lambda raw, _: raw, lambda _: [])
    assert not (tmp_path / "absent").exists()
