"""R-MSG6, R-MSG7: promotional messages only with the email consent "oui" in the ledger; one-click unsubscribe
(RFC 8058) from their notification, without signing in."""

import pytest
from django.core import signing
from django.test import Client as HttpClient

from moncompte.accounts.models import ConsentChannel, ConsentRecord
from moncompte.audit.models import AuditEvent
from moncompte.enrollment.contact_submit import contact_submit
from moncompte.enrollment.email_links import email_confirm
from moncompte.messaging.errors import MessageNoConsent
from moncompte.messaging.models import Message, MessageKind
from moncompte.outbox.message import build_message
from moncompte.outbox.models import OutboundEmail
from tests import factories
from tests.factories import CLIENT, last_link_token
from tests.messaging.helpers import post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("traveller")]
PROMOTIONAL = {"kind": MessageKind.PROMOTIONAL}


@pytest.fixture
def consenting(code_sent, now):
    journey = factories.with_personal_code(code_sent, now)
    contact_submit(account_id=journey.account.pk, details=factories.details(yes=("email",)), client=CLIENT, now=now)
    email_confirm(token=last_link_token("camille@example.fr"), client=CLIENT, now=now)
    return journey.refresh()


def unsubscribe_path() -> str:
    link = OutboundEmail.objects.filter(template="message_notice").latest("id").list_unsubscribe
    return link.split("//", 1)[1].partition("/")[2].join(["/", ""])


def test_a_promotional_message_needs_the_email_consent_and_the_audit_cites_the_ledger_R_MSG6(consenting, now):
    message = post(consenting.pk, now, **PROMOTIONAL)
    decision = ConsentRecord.objects.get(account=consenting, channel=ConsentChannel.EMAIL)
    details = AuditEvent.objects.get(event="message_posted").details
    assert (details["kind"], details["consent_record"]) == ("promotional", decision.pk)
    assert details["consent_at"] == decision.at.isoformat()
    assert message.texts.kind == MessageKind.PROMOTIONAL


def test_no_promotional_message_without_the_consent_R_MSG6(code_sent, now):
    account = factories.active(code_sent, now).account  # answered "non" to every question
    with pytest.raises(MessageNoConsent):
        post(account.pk, now, **PROMOTIONAL)
    assert not Message.objects.exists()
    assert not OutboundEmail.objects.filter(template="message_notice").exists()


def test_the_promotional_notification_carries_one_click_unsubscribe_headers_R_MSG7(consenting, now):
    post(consenting.pk, now, **PROMOTIONAL)
    notice = OutboundEmail.objects.get(template="message_notice")
    headers = build_message(notice, now=now)
    assert headers["List-Unsubscribe"] == f"<{notice.list_unsubscribe}>"
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert notice.list_unsubscribe in notice.body_text
    assert notice.list_unsubscribe not in notice.shown_text  # what support reads: masked


def test_a_normal_message_has_no_unsubscribe_header_R_MSG7(consenting, now):
    post(consenting.pk, now)
    notice = OutboundEmail.objects.get(template="message_notice")
    assert notice.list_unsubscribe == ""
    assert "List-Unsubscribe" not in build_message(notice, now=now)


def test_one_click_turns_the_email_consent_to_no_with_its_source_without_signing_in_R_MSG7(consenting, now):
    post(consenting.pk, now, **PROMOTIONAL)
    browser, path = HttpClient(enforce_csrf_checks=True), unsubscribe_path()
    offered = browser.get(path)  # a person or a link scanner: nothing changes yet
    assert "Ne plus recevoir d'informations promotionnelles par email" in offered.content.decode()
    assert offered["Referrer-Policy"] == "no-referrer"
    assert ConsentRecord.objects.filter(account=consenting).count() == 1
    answer = browser.post(path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 200
    assert "C'est fait" in answer.content.decode()
    latest = ConsentRecord.objects.filter(account=consenting, channel="email").latest("at", "id")
    assert (latest.granted, latest.source) == (False, "desabonnement_1clic")
    event = AuditEvent.objects.get(event="consent_changed")
    assert (event.details["source"], event.details["consent_record"]) == ("desabonnement_1clic", latest.pk)
    browser.post(path)  # a second click: the same answer, nothing more in the ledger
    assert ConsentRecord.objects.filter(account=consenting).count() == 2
    with pytest.raises(MessageNoConsent):
        post(consenting.pk, now, **PROMOTIONAL)


def test_a_forged_or_other_purpose_token_is_refused_R_MSG7(consenting, client):
    other_purpose = signing.dumps(consenting.pk, salt="moncompte.autre-usage", compress=True)
    for token in ("nimportequoi", other_purpose):
        answer = client.post(f"/desabonnement/{token}/")
        assert answer.status_code == 400
        assert "n&#x27;est pas valable ou a expiré" in answer.content.decode()
    assert ConsentRecord.objects.filter(account=consenting).count() == 1
