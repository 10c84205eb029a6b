"""The deadline of one SMTP send (transport.py): at its end, the send's connections are hung up, so a relay that
trickles its greeting, its TLS handshake or its answer cannot hold a worker or a web process past it."""

import contextlib
import smtplib
import socket
import threading

from moncompte.outbox.alarms import alarms


class SendDeadline:
    """The watchdog of one send: at its end, the connections in `current` are hung up and `cut` is set. Moved
    once the whole message is out (the wait for the server's answer has its own length) or ended early by
    whoever holds the send's claim (its lease could not be renewed). An alarm of the process's one alarms
    thread (alarms.py), not a thread per send."""

    def __init__(self, seconds: float) -> None:
        self.current: list[smtplib.SMTP] = []
        self.cut = threading.Event()
        self.seconds = seconds
        self.aborted = False  # hung up by the claim's holder, not by the clock
        self._alarm = alarms.arm(seconds, self.hang_up)

    def move(self, seconds: float) -> None:
        alarms.cancel(self._alarm)
        self.seconds = seconds
        self._alarm = alarms.arm(seconds, self.hang_up)

    def cancel(self) -> None:
        alarms.cancel(self._alarm)

    def hang_up(self) -> None:
        hang_up(self.current, self.cut)


def hang_up(current: list[smtplib.SMTP], cut: threading.Event) -> None:
    """Ends a send that outlived its deadline: the blocked connect, send or receive fails at once."""
    cut.set()
    for smtp in list(current):
        sock = smtp.sock  # None before its connection starts
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
