"""The deadline of a send (send_deadline.py): hanging up a connection that is already gone changes nothing and
raises nothing (it runs on the alarms' thread, which serves every other send's deadline too)."""

import smtplib
import socket
import threading

import pytest

from moncompte.outbox.send_deadline import hang_up

pytestmark = pytest.mark.without_database


def test_hanging_up_a_connection_whose_socket_is_already_closed_raises_nothing_and_cuts_the_send():
    gone, other = socket.socketpair()
    other.close()
    gone.close()  # the send ended on its own meanwhile: shutting it down now fails (a closed descriptor)
    never = smtplib.SMTP()
    never.sock = gone
    not_started = smtplib.SMTP()  # its connection not begun yet: no socket at all
    cut = threading.Event()
    hang_up([never, not_started], cut)
    assert cut.is_set()
