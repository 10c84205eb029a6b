"""The message as it goes out: the email package's headers, made with one header class per name (message.py)."""

from email import policy

import pytest

from moncompte.outbox import message
from moncompte.outbox.message import build_message
from tests.outbox.test_delivery import queue_code_email

pytestmark = pytest.mark.django_db


def test_a_message_is_byte_for_byte_what_the_email_package_alone_makes(now, monkeypatch):
    email = queue_code_email(now)
    email.subject = "Votre compte ameli - Vous avez reçu un nouveau message"  # folded, encoded: the costly kind
    email.list_unsubscribe = "https://moncompte.example/desabonnement/abc"
    built = [build_message(email, now=now) for _ in range(2)]
    monkeypatch.setattr(message, "OUTGOING", policy.SMTP.clone(cte_type="7bit"))
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
