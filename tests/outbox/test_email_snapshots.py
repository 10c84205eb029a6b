"""Every email, text and HTML, as a reviewed snapshot (tests/outbox/__snapshots__/): a change of wording shows
up in the diff of a pull request. After an intended change: `pytest tests/outbox --snapshot-update`."""

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from moncompte.core.request_context import request_id_set
from moncompte.outbox import mail
from moncompte.outbox.mail import MASK
from moncompte.outbox.models import OutboundEmail

pytestmark = pytest.mark.django_db
AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NAMES = {"first_name": "Camille", "last_name": "DURAND"}

EMAILS: dict[str, tuple[dict[str, Any], dict[str, str]]] = {
    "provisional_code": ({**NAMES, "expires_at": datetime(2026, 3, 2, 9, 30, tzinfo=UTC)}, {"code": "Ab3dEf7hJk"}),
    "email_confirmation": (NAMES, {"link": "https://moncompte.example/email/jeton-de-test/"}),
    "password_changed": ({**NAMES, "at": AT}, {}),
    "email_change_notice": ({**NAMES, "new_email_masked": "n•w@example.fr"}, {}),
    "enrollment_restarted": ({**NAMES, "at": AT}, {}),  # R-BOT2: told to the previous address
    "message_notice": ({**NAMES, "promotional": False}, {}),  # R-MSG5: nothing of the message itself
}


@pytest.fixture(autouse=True)
def fixed_site(settings):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, site_url="https://moncompte.example")


@pytest.mark.parametrize("template", sorted(EMAILS))
def test_every_email_is_reviewed_as_a_snapshot_R_CODE3_R_EM2(template, snapshot):
    context, secrets = EMAILS[template]
    email = mail.enqueue(template=template, to="camille@example.fr", now=AT, context=context, secret_context=secrets)
    assert {"subject": email.subject, "text": email.body_text, "html": email.body_html} == snapshot
    # What support can read: the same email with every secret masked.
    assert all(secret not in email.shown_text + email.shown_html for secret in secrets.values())


def test_every_email_template_has_a_snapshot():
    folder = Path(mail.__file__).parent / "templates" / "outbox"
    templates = {path.name.split(".")[0] for path in folder.glob("*.subject.txt")}
    assert templates == set(EMAILS)


def test_the_notification_of_a_promotional_message_offers_to_unsubscribe_R_MSG7(snapshot):
    link = "https://moncompte.example/desabonnement/jeton-de-test/"
    email = mail.enqueue(
        template="message_notice",
        to="camille@example.fr",
        now=AT,
        context={**NAMES, "promotional": True},
        secret_context={"unsubscribe_url": link},
        list_unsubscribe=link,
    )
    assert {"subject": email.subject, "text": email.body_text, "html": email.body_html} == snapshot
    stored = OutboundEmail.objects.get(pk=email.pk)
    assert link not in stored.shown_text + stored.shown_html
    assert MASK in stored.shown_html  # support sees where the link was, masked
    assert stored.list_unsubscribe == link  # the header (RFC 8058) is sent, then emptied with the bodies


def test_an_email_remembers_the_request_that_queued_it():
    with request_id_set("req-4242"):
        email = mail.enqueue(template="message_notice", to="camille@example.fr", now=AT, context=NAMES)
    assert OutboundEmail.objects.get(pk=email.pk).request_id == "req-4242"
