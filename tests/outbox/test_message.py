"""The message as it goes out: the email package's headers, made with one header class per name, and the same
bytes written around the few values that differ (message.py)."""

import re
from email import policy
from email.message import EmailMessage

import pytest

from moncompte.outbox import message
from moncompte.outbox.mail import enqueue
from moncompte.outbox.message import build_message, message_out
from moncompte.outbox.models import Lane
from tests.outbox.test_delivery import queue_code_email

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def lines_written_anew():
    """The From and Subject lines are kept once written (message.py's caches): emptied, each test makes them
    itself, so a change to the code that writes them cannot hide behind a line an earlier test kept."""
    message._from_line_of.cache_clear()
    message._subject_line.cache_clear()


def test_a_message_is_byte_for_byte_what_the_email_package_alone_makes(now, monkeypatch):
    email = queue_code_email(now)
    email.subject = "Votre compte ameli - Vous avez reçu un nouveau message"  # folded, encoded: the costly kind
    email.list_unsubscribe = "https://moncompte.example/desabonnement/abc"
    built = [build_message(email, now=now) for _ in range(2)]
    monkeypatch.setattr(message, "OUTGOING", policy.SMTP.clone(cte_type="7bit", refold_source="none"))
    alone = build_message(email, now=now)
    for made in [*built, alone]:
        made.set_boundary("frontiere")  # the one part drawn at random
    assert built[0].as_bytes() == built[1].as_bytes() == alone.as_bytes()
    assert type(built[0]["Subject"]) is type(built[1]["Subject"])  # the very same class, reused


def test_the_header_classes_are_made_once_per_name_whatever_its_case():
    registry = message._HeaderClasses()
    subject = registry["Subject"]
    assert registry["SUBJECT"] is registry["subject"] is subject
    assert subject is not registry["To"]
    assert str(subject("Subject", "Votre code provisoire")) == "Votre code provisoire"


NOTICE_SUBJECT = "Votre compte ameli - Vous avez reçu un nouveau message"
# The shape of messaging.unsubscribe's links: longer than a header line, so the email package folds it.
UNSUBSCRIBE = "https://moncompte.example/desabonnement/WzEyMzQ1Njc4LDEyMzQ1Nl0:1xaWCf:pDIrDKWlP-Xp9_vuiWAoCczZ2aDHe42exOE9fpnqoYI/"


def notice(now, *, to="camille@example.fr", promotional=False, first_name="Camille"):
    link = UNSUBSCRIBE if promotional else ""
    return enqueue(
        template="message_notice",
        to=to,
        now=now,
        context={"first_name": first_name, "last_name": "DURAND", "promotional": promotional},
        secret_context={"unsubscribe_url": link} if link else {},
        list_unsubscribe=link,
        lane=Lane.NOTIFICATIONS,
    )


def package_bytes(email, now) -> tuple[bytes, str]:
    made = build_message(email, now=now)
    return made.as_bytes(), str(made.get_boundary())


@pytest.mark.parametrize("promotional", [False, True], ids=["plain", "promotional (List-Unsubscribe)"])
def test_a_notification_s_bytes_are_those_the_email_package_makes_R_DLV1(now, promotional):
    email = notice(now, promotional=promotional)
    made, boundary = package_bytes(email, now)
    out = message_out(email, now=now, boundary=boundary)
    assert out.as_bytes() == made
    assert out.to == "camille@example.fr"
    assert (out["Subject"], out["List-Unsubscribe"]) == (NOTICE_SUBJECT, f"<{UNSUBSCRIBE}>" if promotional else None)


@pytest.mark.parametrize(
    ("to", "subject", "first_name"),
    [
        ("élise@exemple.fr", NOTICE_SUBJECT, "Élise"),  # an address the package encodes: its own bytes
        ("camille@xn--exemple-6ya.fr", "Ünïcödé " * 12, "Camille"),  # a subject folded over three lines
        ("camille.o'neil+messagerie@example.fr", "Re: =?utf-8?q?faux?= mot", "Zoë" * 40),  # "=?", a long line
        ("camille@example.fr", "Deux  espaces", "ÉÈÊËÀÂÎÏÔÛÙÇ" * 30),  # mostly not ASCII: base64
    ],
    ids=["non-ASCII address", "non-ASCII subject", "encoded-word look-alike", "base64 body"],
)
def test_any_message_s_bytes_are_those_the_email_package_makes_R_DLV1(now, to, subject, first_name):
    email = notice(now, to=to, first_name=first_name, promotional=True)
    email.subject = subject
    made, boundary = package_bytes(email, now)
    out = message_out(email, now=now, boundary=boundary)
    assert out.as_bytes() == made
    assert out.to == build_message(email, now=now)["To"].addresses[0].addr_spec


def test_a_code_s_bytes_are_those_the_email_package_makes_and_its_boundary_is_drawn_each_time(now):
    email = queue_code_email(now)
    made, boundary = package_bytes(email, now)
    assert message_out(email, now=now, boundary=boundary).as_bytes() == made
    drawn = {message_out(email, now=now)["Content-Type"].params["boundary"] for _ in range(3)}
    assert len(drawn) == 3
    assert all(re.fullmatch(r"={15}\d{19}==", one) for one in drawn)


def test_the_unsubscribe_address_goes_out_on_one_plain_line_never_as_encoded_words_R_MSG7(now):
    email = notice(now, promotional=True)
    line = f"List-Unsubscribe: <{UNSUBSCRIBE}>\r\n".encode()
    assert len(line) > message.LINE_LENGTH  # longer than a folded line: the package would have encoded it
    for data in (message_out(email, now=now).as_bytes(), build_message(email, now=now).as_bytes()):
        assert line in data


def test_an_unsubscribe_address_that_is_not_ascii_goes_out_as_the_email_package_writes_it_R_MSG7(now):
    """A site under a domain name written in its own letters (not punycode): RFC 2369 wants ASCII, so the
    package encodes it, and message_out writes the same bytes."""
    email = notice(now, promotional=True)
    email.list_unsubscribe = "https://moncompte.exemplé.fr/desabonnement/abc/"
    made, boundary = package_bytes(email, now)
    out = message_out(email, now=now, boundary=boundary)
    assert out.as_bytes() == made
    assert b"List-Unsubscribe: =?utf-8?" in made
    assert str(out["List-Unsubscribe"]) == "<https://moncompte.exemplé.fr/desabonnement/abc/>"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Bonjour\n",
        "Bonjour,\n\nA bientot sur votre compte.",  # lines ended anew, the last one too
        "x" * 78,  # the longest line 7bit takes
        "x" * 79,
        "ligne é\n" * 10,  # the sniffed ten lines are the whole text
        "ligne é\n" * 11,  # one line past them
        "ligne é\n" * 12,  # more lines than the sniffed ten, quoted-printable
        "é" * 39,
        "é" * 200,  # base64, over several lines
        "ég ahd\ngg=cfé\n=\nfbh=ébcégfh\nahae\n   ",  # quoted-printable and base64 of the same length: the former
    ],
    ids=[
        "empty",
        "ascii",
        "ascii lines",
        "78 characters",
        "79 characters",
        "10 lines",
        "11 lines",
        "12 lines",
        "short not ascii",
        "base64",
        "a tie",
    ],
)
@pytest.mark.django_db(False)
def test_a_text_part_is_encoded_as_the_email_package_encodes_it_R_DLV1(text):
    """message_out writes the parts itself (a quarter less time): the same transfer encoding and payload."""
    package = EmailMessage(policy=message.OUTGOING)
    package.set_content(text, subtype="plain", charset="utf-8")
    assert message._encoded(text) == (package["Content-Transfer-Encoding"], package.get_payload())
