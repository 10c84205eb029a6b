"""Each step of an SMTP exchange has its own timeout, the whole exchange its deadline (R-DLV1); the message goes
to the relay that EMAIL_URL names; the claim's holder may call abort() at any time, even once the send is over."""

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from moncompte.outbox.sink import free_port
from moncompte.outbox.transport import DeliveryFailed, SmtpTransport
from tests.outbox.test_transport import Relay, failure_from, message


@pytest.fixture
def silent_relay() -> Iterator[int]:
    """A relay that takes connections and says nothing, not even the first byte of a TLS handshake. Its
    connections are closed at the end of the test, so a sender that would wait for ever stops then."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    done = threading.Event()

    def serve() -> None:
        while not done.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                return
            accepted.append(client)

    threading.Thread(target=serve, daemon=True).start()
    yield listener.getsockname()[1]
    done.set()
    listener.close()
    for client in accepted:
        client.close()


def send_in_thread(transport: SmtpTransport) -> tuple[threading.Thread, list[BaseException | str]]:
    """The send runs in a thread of its own: a test whose sender waits for ever still ends."""
    outcome: list[BaseException | str] = []

    def sending() -> None:
        try:
            outcome.append(transport.send(message("camille@example.fr"), sender="b@example.fr"))
        except Exception as error:
            outcome.append(error)

    thread = threading.Thread(target=sending, daemon=True)
    thread.start()
    return thread, outcome


def failed_within(transport: SmtpTransport, seconds: float) -> DeliveryFailed:
    """The send's failure, which must come within `seconds` (the sender never held longer)."""
    started = time.monotonic()
    thread, outcome = send_in_thread(transport)
    thread.join(timeout=seconds + 5)
    assert not thread.is_alive()
    assert time.monotonic() - started < seconds
    [failed] = outcome
    assert isinstance(failed, DeliveryFailed)
    return failed


@pytest.mark.parametrize("implicit_tls", [False, True], ids=["smtp", "smtps"])
def test_a_relay_that_never_greets_is_given_up_after_the_step_timeout_well_before_the_exchange_deadline_R_DLV1(
    silent_relay, implicit_tls
):
    """A relay that takes the connection and then says nothing (no greeting, no TLS handshake for smtps://) is
    given up after one step's timeout, as a deferral: the exchange's deadline is the last guard, not the
    only one."""
    transport = SmtpTransport(
        host="127.0.0.1", port=silent_relay, implicit_tls=implicit_tls, timeout=0.5, exchange_timeout=20.0
    )
    failed = failed_within(transport, 6)
    assert not failed.permanent
    assert not failed.unknown


def test_a_relay_that_never_finishes_the_tls_handshake_is_hung_up_on_at_the_exchange_deadline_R_DLV1(
    silent_relay,
):
    """smtps:// speaks TLS from the first byte: a relay that never ends its handshake (or trickles it) must not
    hold the sender past the exchange's deadline, which keeps a send within its claim's lease."""
    transport = SmtpTransport(
        host="127.0.0.1", port=silent_relay, implicit_tls=True, timeout=10.0, exchange_timeout=0.5
    )
    failed = failed_within(transport, 4)
    assert (failed.permanent, failed.unknown) == (False, False)
    assert failed.reply.startswith("échange interrompu")


def test_the_message_goes_to_the_host_the_url_names_not_to_this_machine_s_default_address():
    """The relay listens on 127.0.0.2 only (a loopback address, but not the one a missing host gives)."""
    handler, port = Relay(), free_port()
    controller = Controller(handler, hostname="127.0.0.2", port=port)
    controller.start()
    try:
        reply = SmtpTransport.from_url(f"smtp://127.0.0.2:{port}").send(
            message("camille@example.fr"), sender="b@example.fr"
        )
    finally:
        controller.stop()
    assert reply.startswith("250")
    assert handler.received == ["camille@example.fr"]


def test_an_abort_once_the_send_is_over_changes_nothing_and_the_next_send_goes_through():
    """The lease's thread may find its claim lost just as the send ends (R-DLV1): there is then nothing to hang
    up, and the transport stays usable."""
    handler, port = Relay(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    transport = SmtpTransport(host="127.0.0.1", port=port, keep_idle=10.0)
    sent: list[Any] = []
    try:
        sent.append(transport.send(message("p0@example.fr"), sender="b@example.fr"))
        transport.abort()
        sent.append(transport.send(message("p1@example.fr"), sender="b@example.fr"))
        transport.close()
    finally:
        controller.stop()
    assert [reply[:3] for reply in sent] == ["250", "250"]
    assert handler.received == ["p0@example.fr", "p1@example.fr"]
    assert handler.connections == 1


def test_a_relay_that_hangs_up_after_the_whole_message_without_answering_leaves_the_outcome_unknown_R_DLV1():
    """The relay reads the message to its final dot, then closes the connection without a word: it may well have
    the message (RFC 1047), so the outcome is unknown (held), never a failure to connect sent again at once."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        client, _ = listener.accept()
        with client, client.makefile("rb") as lines:
            client.sendall(b"220 bonjour\r\n")
            for line in lines:
                if line[:4].upper() == b"DATA":
                    client.sendall(b"354 la suite\r\n")
                    while next(lines, b".\r\n") != b".\r\n":
                        pass
                    return  # the whole message is in: hang up without answering
                client.sendall(b"250 ok\r\n")

    threading.Thread(target=serve, daemon=True).start()
    unanswered = failure_from(listener)
    assert (unanswered.unknown, unanswered.permanent) == (True, False)
    assert unanswered.reply.startswith("message transmis en entier, pas de réponse du serveur")


def test_an_unanswered_message_whose_error_says_nothing_is_said_timed_out():
    """A socket error without a message (a bare TimeoutError) left the support reading "()"."""
    from moncompte.outbox.send_deadline import SendDeadline
    from moncompte.outbox.transport import _failure

    deadline = SendDeadline(60)
    try:
        failure = _failure(TimeoutError(), deadline=deadline, ended=True)
    finally:
        deadline.cancel()
    assert failure.reply == (
        "message transmis en entier, pas de réponse du serveur (délai écoulé) : il l'a peut-être reçu"
    )
