"""The envelope's recipient of a message written by the email package (message_out): the address its To header
names, as the package reads it, and the row's own address when the header names none."""

import pytest

from moncompte.outbox.message import build_message, message_out
from tests.outbox.test_message import notice, package_bytes

pytestmark = pytest.mark.django_db


def test_an_address_the_package_reads_otherwise_goes_to_what_the_to_header_names_R_DLV1(now):
    email = notice(now, to='"camille"@example.fr')  # quotes that change nothing: the package reads them away
    made, boundary = package_bytes(email, now)
    out = message_out(email, now=now, boundary=boundary)
    assert out.as_bytes() == made
    assert out.to == "camille@example.fr"


def test_a_to_header_that_names_no_address_leaves_the_envelope_to_the_row_s_address_R_DLV1(now):
    email = notice(now, to="undisclosed-recipients:;")  # a group of no one: the relay judges the row's address
    assert build_message(email, now=now)["To"].addresses == ()
    made, boundary = package_bytes(email, now)
    out = message_out(email, now=now, boundary=boundary)
    assert (out.to, out.as_bytes()) == ("undisclosed-recipients:;", made)
