"""The demo's mailbox (R-MAIL2): one message read back by its key, as the demo's mailbox page shows it."""

import mailbox
import smtplib
import socket
import subprocess
import sys
from datetime import timedelta

import pytest

from moncompte.outbox import sink
from moncompte.outbox.delivery import deliver_due
from moncompte.outbox.sink import free_port, received, received_one, sink_start
from tests.outbox.test_delivery import queue_code_email
from tests.outbox.test_exactly_once import Recording


@pytest.mark.django_db
def test_a_message_is_read_back_by_its_key_and_an_unknown_key_is_none(tmp_path, now, traveller):
    maildir = tmp_path / "mailbox"
    box = mailbox.Maildir(str(maildir), create=True)
    email = queue_code_email(now)
    transport = Recording()
    deliver_due(transport=transport)
    key = box.add(transport.sent[0].as_bytes())
    one = received_one(maildir, key)
    assert one is not None
    assert (one.key, one.message["Message-ID"]) == (key, email.message_id)
    assert "Ab3dEf7hJk" in one.text
    assert one.message.as_bytes() == received(maildir)[0].message.as_bytes()
    assert received_one(maildir, "inconnu") is None


def test_reading_a_mailbox_that_does_not_exist_never_creates_it(tmp_path):
    with pytest.raises(mailbox.NoSuchMailboxError):
        received_one(tmp_path / "absent", "inconnu")
    assert not (tmp_path / "absent").exists()


def test_the_demo_mailbox_starts_again_on_the_folder_it_left(tmp_path):
    for _ in range(2):  # the demo restarted: cur, new and tmp are there already
        sink_start(maildir=tmp_path / "mailbox").stop()
    assert sorted(p.name for p in (tmp_path / "mailbox").iterdir()) == ["cur", "new", "tmp"]


def test_two_mailboxes_started_without_a_port_each_listen_on_a_free_one_of_their_own(tmp_path):
    first = sink_start(maildir=tmp_path / "first")
    try:
        second = sink_start(maildir=tmp_path / "second")
        second.stop()
    finally:
        first.stop()
    assert first.port != second.port
    assert min(first.port, second.port) > 1023  # never a privileged port, even for root


@pytest.mark.django_db
def test_the_demo_mailbox_lists_its_messages_newest_first_each_with_its_key_R_MAIL2(tmp_path, now, traveller):
    maildir = tmp_path / "mailbox"
    box = mailbox.Maildir(str(maildir), create=True)
    transport = Recording()
    keys = []
    for shift in (0, 1):
        traveller.shift(timedelta(minutes=shift))
        queue_code_email(now)
        deliver_due(transport=transport)
        keys.append(box.add(transport.sent[-1].as_bytes()))
    assert [item.key for item in received(maildir)] == keys[::-1]  # the later one first


@pytest.mark.parametrize(("pipelining", "offered"), [({}, True), ({"pipelining": False}, False)])
def test_the_demo_mailbox_offers_pipelining_besides_its_own_extensions_unless_told_not_to(
    tmp_path, pipelining, offered
):
    """As Postfix does (RFC 2920), by default; aiosmtpd's own extensions are still offered."""
    controller = sink_start(maildir=tmp_path / "mailbox", **pipelining)
    try:
        with smtplib.SMTP(controller.hostname, controller.port, timeout=5) as client:
            client.ehlo()
            features = set(client.esmtp_features)
    finally:
        controller.stop()
    assert ("pipelining" in features) is offered
    assert {"size", "8bitmime", "smtputf8"} <= features


def test_a_port_handed_to_one_process_is_never_handed_to_another_while_it_lives():
    ours = {free_port() for _ in range(20)}
    # Another process of ours (a CI part side by side) asks for ports while this one holds its own.
    script = "from moncompte.outbox.sink import free_port; print(*(free_port() for _ in range(200)))"
    theirs = set(
        map(
            int,
            subprocess.run([sys.executable, "-c", script], capture_output=True, check=True, text=True).stdout.split(),
        )
    )
    assert (len(ours), len(theirs)) == (20, 200)
    assert not ours & theirs
    assert all(port < 32768 for port in ours | theirs)  # below the kernel's own ports: a bind to port 0 never takes one


def test_a_port_something_listens_on_is_never_handed_out(monkeypatch):
    with socket.create_server(("127.0.0.1", 0)) as listener:
        taken = listener.getsockname()[1]
        monkeypatch.setattr(sink, "_RESERVED_PORTS", range(taken, taken + 1))
        with pytest.raises(OSError, match="aucun port local libre"):
            free_port()  # the only port of the range is listened on by someone else
    monkeypatch.setattr(sink, "_RESERVED_PORTS", range(taken, taken + 1))
    assert free_port() == taken  # free again once its listener is gone
    with socket.socket() as server:
        server.bind(("127.0.0.1", taken))  # and one that was handed out is free to listen on
