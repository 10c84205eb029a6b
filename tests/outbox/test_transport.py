"""The worker's SMTP connection is kept between messages that follow each other, and never costs a message:
one closed by the server meanwhile is replaced before anything of the next message is sent (R-DLV1)."""

import asyncio
import contextlib
import socket
import threading
import time
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from moncompte.outbox.message import Outgoing
from moncompte.outbox.sink import ehlo_with_pipelining, free_port, received, sink_start
from moncompte.outbox.transport import DeliveryFailed, SmtpTransport


class Relay:
    """Counts connections (EHLO) and keeps each message's recipients; refuses some senders, recipients and
    messages by the domain of their address (refused.example, busy.example, spam-filter.example…). With
    `pipelining`, offers PIPELINING (RFC 2920) and notes, at each MAIL, whether the rest of the envelope and DATA
    had already come with it."""

    def __init__(self, *, pipelining: bool = False) -> None:
        self.connections = 0
        self.received: list[str] = []
        self.pipelining = pipelining
        self.envelopes_in_one_write: list[bool] = []
        self.quits = 0
        self.contents: list[bytes] = []
        self.closing_after_one = False  # answers 421 to MAIL on a connection that already carried a message
        self.silent_at_quit = False  # hangs up at QUIT without a word
        self.silent_after_one = 0.0  # waits this long before answering MAIL on a connection that carried one

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        self.connections += 1
        if self.pipelining:
            return ehlo_with_pipelining(session, hostname, responses)
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        waiting = bytes(server._reader._buffer)  # what the client sent after MAIL, before MAIL's answer
        self.envelopes_in_one_write.append(b"RCPT TO:" in waiting and waiting.endswith(b"DATA\r\n"))
        if self.closing_after_one and getattr(session, "messages", 0) > 0:
            return "421 4.3.2 service closing"
        if getattr(session, "messages", 0) > 0:
            await asyncio.sleep(self.silent_after_one)
        if address.endswith("@refused-sender.example"):
            return "550 5.7.1 sender refused"
        if address.endswith("@unknown-sender.example"):
            return "500 5.5.1 sender unrecognized"
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        if address.endswith("@refused.example"):
            return "550 5.1.1 no such user"
        if address.endswith("@busy.example"):
            return "451 4.3.2 try again later"
        if address.endswith("@unknown-command.example"):
            return "500 5.5.1 command unrecognized"
        envelope.rcpt_tos.append(address)
        if address.endswith("@forwarded.example"):
            return "251 2.1.5 user not local; will forward"
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if any(address.endswith("@spam-filter.example") for address in envelope.rcpt_tos):
            return "554 5.7.1 message refused"
        if any(address.endswith("@data-unknown.example") for address in envelope.rcpt_tos):
            return "500 5.5.2 data unrecognized"
        self.received += envelope.rcpt_tos
        self.contents.append(envelope.original_content)
        session.messages = getattr(session, "messages", 0) + 1
        return "250 OK"

    async def handle_QUIT(self, server: Any, session: Any, envelope: Any) -> str:
        self.quits += 1
        if self.silent_at_quit:
            server.transport.close()
        return "221 Bye"


@pytest.fixture(params=[False, True], ids=["sans PIPELINING", "PIPELINING"])
def relay(request):
    handler, port = Relay(pipelining=request.param), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, controller
    controller.stop()


def message(to: str) -> Outgoing:
    built = EmailMessage()
    built["From"] = "ne-pas-repondre@example.fr"
    built["To"] = to
    built["Subject"] = "Essai"
    built["Date"] = "Mon, 07 Dec 2026 08:00:00 +0000"  # the local sink lists its mail by date
    built.set_content("Bonjour")
    return Outgoing(to=to, data=built.as_bytes())


def kept_transport(controller: Controller, **options: Any) -> SmtpTransport:
    return SmtpTransport(host="127.0.0.1", port=controller.port, keep_idle=10.0, **options)


def test_messages_that_follow_each_other_share_one_connection(relay):
    handler, controller = relay
    transport = kept_transport(controller)
    for index in range(3):
        assert transport.send(message(f"p{index}@example.fr"), sender="b@example.fr").startswith("250")
    transport.close()
    assert handler.connections == 1
    assert handler.received == ["p0@example.fr", "p1@example.fr", "p2@example.fr"]
    assert handler.envelopes_in_one_write == [handler.pipelining] * 3  # RFC 2920 only when offered


@pytest.mark.parametrize("pipelining", [False, True])
def test_a_hundred_messages_go_over_one_connection_to_the_local_sink(tmp_path, pipelining):
    """The real local sink (the demo's mailbox, aiosmtpd): one connection for the lot (the sink writes the
    client's address and port into each message it keeps), every message kept once."""
    controller = sink_start(maildir=tmp_path / "mailbox", pipelining=pipelining)
    transport = kept_transport(controller, messages_per_connection=1000)
    try:
        for index in range(100):
            transport.send(message(f"p{index}@example.fr"), sender="b@example.fr")
        transport.close()
    finally:
        controller.stop()
    kept = received(tmp_path / "mailbox")
    assert len({str(m.message["X-Peer"]) for m in kept}) == 1
    assert sorted(str(m.message["To"]) for m in kept) == sorted(f"p{index}@example.fr" for index in range(100))


def test_a_plain_transport_opens_one_connection_per_message(relay):
    handler, controller = relay
    transport = SmtpTransport(host="127.0.0.1", port=controller.port)
    for index in range(2):
        transport.send(message(f"p{index}@example.fr"), sender="b@example.fr")
        assert handler.quits == index + 1  # closed (QUIT) as soon as the message is out, never left open
    assert handler.connections == 2


def test_a_relay_that_hangs_up_at_quit_without_a_word_has_still_taken_the_message(relay):
    handler, controller = relay
    handler.silent_at_quit = True
    transport = SmtpTransport(host="127.0.0.1", port=controller.port)
    assert transport.send(message("camille@example.fr"), sender="b@example.fr").startswith("250")
    assert (handler.received, handler.quits) == (["camille@example.fr"], 1)


def test_a_kept_connection_outlives_the_reply_wait_of_its_last_message(relay):
    """The deadline of a send ends with it: it never hangs up the connection kept for the next message."""
    handler, controller = relay
    transport = kept_transport(controller, reply_timeout=0.2)
    transport.send(message("p0@example.fr"), sender="b@example.fr")
    time.sleep(0.4)
    transport.send(message("p1@example.fr"), sender="b@example.fr")
    transport.close()
    assert handler.connections == 1


def test_a_kept_connection_that_goes_silent_is_cut_at_the_deadline_of_the_next_send_R_DLV1(relay):
    """The connection kept from the last message is under the new send's deadline too, not only under the
    socket's timeout for each step."""
    handler, controller = relay
    handler.silent_after_one = 3.0
    transport = kept_transport(controller, timeout=5.0, exchange_timeout=0.5)
    transport.send(message("p0@example.fr"), sender="b@example.fr")
    started = time.monotonic()
    with pytest.raises(DeliveryFailed) as cut:
        transport.send(message("p1@example.fr"), sender="b@example.fr")
    assert time.monotonic() - started < 2
    assert not cut.value.permanent
    assert handler.received == ["p0@example.fr"]


def test_a_kept_connection_silent_past_the_step_timeout_is_left_for_a_new_one_R_DLV1(relay):
    """A kept connection still has the long wait of its last answer (`reply_timeout`): the next message's steps
    get `timeout` again, so a connection that went dead is given up quickly and the message sent on a new one."""
    handler, controller = relay
    handler.silent_after_one = 3.0
    transport = kept_transport(controller, timeout=0.5, exchange_timeout=10.0, reply_timeout=10.0)
    transport.send(message("p0@example.fr"), sender="b@example.fr")
    started = time.monotonic()
    assert transport.send(message("p1@example.fr"), sender="b@example.fr").startswith("250")
    assert time.monotonic() - started < 2
    transport.close()
    assert handler.received == ["p0@example.fr", "p1@example.fr"]
    assert handler.connections == 2


def test_a_keep_idle_under_a_second_still_keeps_the_connection(relay):
    handler, controller = relay
    transport = SmtpTransport(host="127.0.0.1", port=controller.port, keep_idle=0.5)
    for index in range(2):
        transport.send(message(f"p{index}@example.fr"), sender="b@example.fr")
    transport.close()
    assert (handler.connections, handler.quits) == (1, 1)


def test_a_kept_connection_the_relay_closes_with_421_at_the_next_message_is_replaced_and_the_message_sent_once_R_DLV1(
    relay,
):
    """421 is a relay's polite hang-up (RFC 5321 §3.8): nothing of the message was taken, so it goes again on a
    new connection, never counted as a refusal."""
    handler, controller = relay
    handler.closing_after_one = True
    transport = kept_transport(controller)
    for index in range(2):
        assert transport.send(message(f"p{index}@example.fr"), sender="b@example.fr").startswith("250")
    transport.close()
    assert handler.received == ["p0@example.fr", "p1@example.fr"]
    assert handler.connections == 2


def test_a_recipient_the_relay_forwards_251_is_accepted(relay):
    handler, controller = relay
    transport = SmtpTransport(host="127.0.0.1", port=controller.port)
    assert transport.send(message("camille@forwarded.example"), sender="b@example.fr").startswith("250")
    assert handler.received == ["camille@forwarded.example"]


def test_a_line_that_begins_with_a_dot_arrives_as_written_R_MAIL2(relay):
    """SMTP ends a message with a line holding a single dot: a line of the message that begins with a dot is
    sent with one more (RFC 5321 §4.5.2), which the relay removes."""
    handler, controller = relay
    built = EmailMessage(policy=policy.SMTP)  # as build_message makes them: lines end with CRLF
    built["To"] = "camille@example.fr"
    built.set_content(".\n.début\n..deux\n")
    out = Outgoing(to="camille@example.fr", data=built.as_bytes())
    SmtpTransport(host="127.0.0.1", port=controller.port).send(out, sender="b@example.fr")
    assert handler.contents == [built.as_bytes()]


@pytest.mark.parametrize("pipelining", [False, True])
def test_a_connection_closed_by_the_server_meanwhile_is_replaced_and_the_message_sent_once_R_DLV1(pipelining):
    handler, port = Relay(pipelining=pipelining), free_port()
    before = Controller(handler, hostname="127.0.0.1", port=port)
    before.start()
    transport = SmtpTransport(host="127.0.0.1", port=port, keep_idle=10.0)
    transport.send(message("first@example.fr"), sender="b@example.fr")
    before.stop()  # the relay restarts: the kept connection is closed under the worker
    after = Controller(handler, hostname="127.0.0.1", port=port)
    after.start()
    try:
        assert transport.send(message("second@example.fr"), sender="b@example.fr").startswith("250")
        transport.close()
    finally:
        after.stop()
    assert handler.received == ["first@example.fr", "second@example.fr"]
    assert handler.connections == 2


def test_a_connection_idle_longer_than_keep_idle_is_not_reused(relay):
    handler, controller = relay
    transport = SmtpTransport(host="127.0.0.1", port=controller.port, keep_idle=0.05)
    transport.send(message("first@example.fr"), sender="b@example.fr")
    time.sleep(0.1)
    transport.send(message("second@example.fr"), sender="b@example.fr")
    transport.close()
    assert handler.connections == 2


def test_a_connection_carries_at_most_messages_per_connection(relay):
    handler, controller = relay
    transport = kept_transport(controller, messages_per_connection=2)
    for index in range(5):
        transport.send(message(f"p{index}@example.fr"), sender="b@example.fr")
    transport.close()
    assert handler.connections == 3
    assert len(handler.received) == 5


def test_after_a_refusal_the_next_message_goes_on_a_new_connection(relay):
    handler, controller = relay
    transport = kept_transport(controller)
    with pytest.raises(DeliveryFailed) as refused:
        transport.send(message("nobody@refused.example"), sender="b@example.fr")
    assert refused.value.permanent
    assert transport.send(message("camille@example.fr"), sender="b@example.fr").startswith("250")
    transport.close()
    assert handler.received == ["camille@example.fr"]
    assert handler.connections == 2


def test_a_refusal_says_the_relay_s_code_and_words_and_whether_it_is_final_R_DLV1(relay):
    _, controller = relay
    transport = kept_transport(controller)
    with pytest.raises(DeliveryFailed) as refused:
        transport.send(message("nobody@refused.example"), sender="b@example.fr")
    assert (refused.value.reply, refused.value.permanent, refused.value.unknown) == (
        "550 5.1.1 no such user",
        True,
        False,
    )
    with pytest.raises(DeliveryFailed) as deferred:
        transport.send(message("camille@busy.example"), sender="b@example.fr")
    assert (deferred.value.reply, deferred.value.permanent) == ("451 4.3.2 try again later", False)
    with pytest.raises(DeliveryFailed) as final_from_500:
        transport.send(message("camille@unknown-command.example"), sender="b@example.fr")
    assert final_from_500.value.permanent
    with pytest.raises(DeliveryFailed) as sender_refused:
        transport.send(message("camille@example.fr"), sender="b@refused-sender.example")
    assert (sender_refused.value.reply, sender_refused.value.permanent) == ("550 5.7.1 sender refused", True)
    with pytest.raises(DeliveryFailed) as sender_unknown:
        transport.send(message("camille@example.fr"), sender="b@unknown-sender.example")
    assert sender_unknown.value.permanent
    with pytest.raises(DeliveryFailed) as message_refused:  # after the whole message
        transport.send(message("camille@spam-filter.example"), sender="b@example.fr")
    assert (message_refused.value.reply, message_refused.value.permanent) == ("554 5.7.1 message refused", True)
    with pytest.raises(DeliveryFailed) as message_unknown:
        transport.send(message("camille@data-unknown.example"), sender="b@example.fr")
    assert message_unknown.value.permanent
    transport.close()


def test_a_relay_that_trickles_its_greeting_is_hung_up_on_at_the_deadline():
    """Connecting is inside the deadline too: a greeting sent a line a second never ends, so the send must."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def trickle() -> None:
        client, _ = listener.accept()
        with client:
            while not stop.is_set():
                try:
                    client.sendall(b"220-bienvenue\r\n")
                except OSError:
                    return
                time.sleep(0.3)

    threading.Thread(target=trickle, daemon=True).start()
    transport = SmtpTransport(host="127.0.0.1", port=listener.getsockname()[1], timeout=5.0, exchange_timeout=1.5)
    started = time.monotonic()
    try:
        with pytest.raises(DeliveryFailed) as failed:
            transport.send(message("camille@example.fr"), sender="b@example.fr")
    finally:
        stop.set()
        listener.close()
    assert time.monotonic() - started < 4
    assert not failed.value.permanent
    assert "1 s" in failed.value.reply or "2 s" in failed.value.reply  # « échange interrompu après … s »


class Unwelcoming:
    """Turns the client away at its greeting (EHLO, then HELO): smtplib raises, the transport says why."""

    def __init__(self, answer: str) -> None:
        self.answer = answer

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        return [self.answer]

    async def handle_HELO(self, server: Any, session: Any, envelope: Any, hostname: str) -> str:
        return self.answer


@pytest.mark.parametrize(
    ("answer", "permanent"),
    [
        ("554 5.7.1 pas de relais pour vous", True),
        ("500 5.5.1 commande inconnue", True),
        ("421 4.3.2 plus tard", False),
    ],
)
def test_a_relay_turning_the_client_away_at_its_greeting_says_its_code_and_words_R_DLV1(answer, permanent):
    port = free_port()
    controller = Controller(Unwelcoming(answer), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with pytest.raises(DeliveryFailed) as refused:
            SmtpTransport(host="127.0.0.1", port=port).send(message("camille@example.fr"), sender="b@example.fr")
    finally:
        controller.stop()
    assert (refused.value.reply, refused.value.permanent) == (answer, permanent)


def relay_refusing_at(step: str, *, trickling: bool = False) -> socket.socket:
    """A relay written by hand, for one connection: it refuses at `step` (its greeting, MAIL, RCPT, the DATA
    command or the message's end) with words in Latin-1, which no UTF-8 decoder reads as they are. Refused at
    its greeting, it answers nothing more (a client must then say QUIT, RFC 5321 §3.1). `trickling`: its answer
    at `step` is a 4 every 0.1 s, never ended."""
    listener = socket.create_server(("127.0.0.1", 0))
    refusal = b"4" if trickling else "550 5.7.1 refusé\r\n".encode("latin-1")

    def serve() -> None:
        client, _ = listener.accept()
        with client, client.makefile("rb") as lines:
            client.sendall(refusal if step == "greeting" else b"220 bonjour\r\n")
            for line in lines:
                command = line[:4].upper()
                if command == b"QUIT" or step == "greeting":
                    client.sendall(b"221 au revoir\r\n")
                    return
                if command == b"DATA" and step != "DATA":
                    client.sendall(b"354 la suite\r\n")
                    while next(lines, b".\r\n") != b".\r\n":
                        pass
                    command = b"end"
                refused = command == step.encode() or (command == b"end" and step == "end")
                if refused and trickling:
                    with contextlib.suppress(OSError):  # until the client hangs up
                        while True:
                            client.sendall(refusal)
                            time.sleep(0.1)
                    return
                client.sendall(refusal if refused else b"250 ok\r\n")

    threading.Thread(target=serve, daemon=True).start()
    return listener


def failure_from(listener: socket.socket) -> DeliveryFailed:
    """One message sent to the scripted relay listening there, which must fail; the listener closed after."""
    transport = SmtpTransport(host="127.0.0.1", port=listener.getsockname()[1], timeout=5.0)
    try:
        with pytest.raises(DeliveryFailed) as failed:
            transport.send(message("camille@example.fr"), sender="b@example.fr")
    finally:
        listener.close()
    return failed.value


@pytest.mark.parametrize("step", ["greeting", "MAIL", "RCPT", "DATA", "end"])
def test_a_refusal_in_words_that_are_not_utf8_is_kept_readable_R_DLV1(step):
    refused = failure_from(relay_refusing_at(step))
    assert (refused.reply, refused.permanent) == ("550 5.7.1 refus\ufffd", True)


def test_a_relay_that_trickles_its_answer_to_the_message_is_hung_up_on_at_the_reply_deadline_R_DLV1():
    """The socket's timeout bounds each read only: an answer sent a byte at a time is cut by the send's deadline,
    moved to `reply_timeout` once the message is out, instead of holding the sender for ever. What was read of
    the line by then, 444…, is not the server's answer (it might have gone on 250): the server has the whole
    message, so whether it took it is unknown, never a deferral sent again at once."""
    listener = relay_refusing_at("end", trickling=True)
    transport = SmtpTransport(host="127.0.0.1", port=listener.getsockname()[1], timeout=5.0, reply_timeout=0.5)
    started = time.monotonic()
    try:
        with pytest.raises(DeliveryFailed) as unanswered:
            transport.send(message("camille@example.fr"), sender="b@example.fr")
    finally:
        listener.close()
    assert time.monotonic() - started < 3
    assert not unanswered.value.permanent
    assert unanswered.value.unknown
    assert "(réponse coupée)" in unanswered.value.reply  # what the desk reads: the answer was cut, not refused
