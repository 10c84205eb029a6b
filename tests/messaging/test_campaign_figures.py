"""R-MSG13: each campaign's figures as the desk shows them — people posted to, notifications sent, refused by the
receiving servers, unsubscribed through their one-click link, messages read — counted by a few aggregate
queries; supervisors only, the page's opening audited."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from moncompte.accounts.models import Account, ConsentChannel, ConsentRecord
from moncompte.audit.models import AuditEvent
from moncompte.messaging.box import message_open
from moncompte.messaging.bulk import messages_post_to_nirs
from moncompte.messaging.campaign_figures import campaigns_page
from moncompte.messaging.models import Message, MessageKind
from moncompte.messaging.notify import notices_queue
from moncompte.messaging.post import LetterText, message_post
from moncompte.messaging.unsubscribe import email_consent_withdraw
from moncompte.outbox.models import DeliveryReport, EmailStatus, OutboundEmail
from moncompte.outbox.reports import ReportKind
from tests.helpers import NOW
from tests.messaging.helpers import SERVICE, people

PROMOTION = LetterText("Nouveau service en ligne", "Découvrez-le.", "Assurance Maladie", MessageKind.PROMOTIONAL)
EARLIER = LetterText("Votre bilan de prévention", "Prenez rendez-vous.", "CPAM des Vosges")


def consenting(nirs: list[str]) -> None:
    for account in Account.objects.filter(beneficiary__nir__in=nirs):
        ConsentRecord.objects.create(
            account=account, channel=ConsentChannel.EMAIL, granted=True, at=NOW, wording_version="2026-11", source="t"
        )


def posted(text: LetterText, nirs: list[str], key: str, minutes: int) -> None:
    at = NOW + timedelta(minutes=minutes)
    messages_post_to_nirs(service="CPAM", idempotency_key=key, letter=text, nirs=nirs, client=SERVICE, now=at)
    notices_queue(now=at)


def report(email: OutboundEmail, kind: ReportKind, fingerprint: str) -> None:
    DeliveryReport.objects.create(email=email, received_at=NOW, kind=kind, fingerprint=fingerprint)


@pytest.fixture
def campaigns():
    """An earlier campaign to one person, then a promotional one to five, a message posted alone meanwhile."""
    nirs = people(6)
    consenting(nirs)
    posted(EARLIER, nirs[5:], "appel-001", minutes=0)
    alone = Account.objects.get(beneficiary__nir=nirs[5]).pk
    message_post(
        account_id=alone, subject="Attestation", body="Bonjour.", sender_service="CPAM", client=SERVICE, now=NOW
    )
    posted(PROMOTION, nirs[:5], "appel-002", minutes=10)
    return list(OutboundEmail.objects.filter(notice__letter__subject=PROMOTION.subject).order_by("id"))


@pytest.mark.django_db
def test_each_campaign_is_listed_newest_first_and_a_message_posted_alone_is_not_R_MSG13(campaigns):
    shown = campaigns_page().campaigns
    assert [(c.subject, c.sender_service, c.posted, c.promotional) for c in shown] == [
        (PROMOTION.subject, "Assurance Maladie", 5, True),
        (EARLIER.subject, "CPAM des Vosges", 1, False),
    ]


@pytest.mark.django_db
def test_notifications_sent_count_those_our_server_accepted_R_MSG13(campaigns):
    OutboundEmail.objects.filter(pk__in=[email.pk for email in campaigns[:4]]).update(status=EmailStatus.SENT)
    OutboundEmail.objects.filter(pk=campaigns[4].pk).update(status=EmailStatus.FAILED)
    assert [c.notified for c in campaigns_page().campaigns] == [4, 0]


@pytest.mark.django_db
def test_refused_counts_each_notification_bounced_or_complained_of_once_R_MSG13(campaigns):
    report(campaigns[0], ReportKind.HARD, "a")
    report(campaigns[1], ReportKind.COMPLAINT, "b")
    report(campaigns[1], ReportKind.REFUSED, "c")  # the same notification twice: one refusal
    report(campaigns[2], ReportKind.DELIVERED, "d")
    report(campaigns[3], ReportKind.SOFT, "e")
    assert [c.refused for c in campaigns_page().campaigns] == [2, 0]


@pytest.mark.django_db
def test_unsubscribed_counts_the_people_who_used_the_notification_s_link_R_MSG13_R_MSG7(campaigns):
    token = campaigns[0].list_unsubscribe.rstrip("/").rsplit("/", 1)[1]
    email_consent_withdraw(token=token, client=SERVICE, now=NOW)
    email_consent_withdraw(token=token, client=SERVICE, now=NOW)  # a second click changes nothing
    assert [c.unsubscribed for c in campaigns_page().campaigns] == [1, 0]
    withdrawn = AuditEvent.objects.get(event="consent_changed", account_id=campaigns[0].account_id)
    assert withdrawn.details["letter"] == campaigns_page().campaigns[0].letter_id


@pytest.mark.django_db
def test_read_counts_the_messages_opened_R_MSG13(campaigns):
    letter = campaigns_page().campaigns[0].letter_id
    for message in Message.objects.filter(letter_id=letter).order_by("id")[:3]:
        message_open(account_id=message.account_id, message_id=message.pk, now=NOW)
        message_open(account_id=message.account_id, message_id=message.pk, now=NOW)  # opened again: still one
    assert [c.read for c in campaigns_page().campaigns] == [3, 0]


@pytest.mark.django_db
def test_the_figures_take_four_queries_whatever_the_number_of_campaigns_R_MSG13(campaigns):
    with CaptureQueriesContext(connection) as queries:
        campaigns_page()
    assert len(queries) == 4


@pytest.mark.django_db
def test_supervisors_see_the_page_and_its_opening_is_audited_R_MSG13(admin_client, admin_user, campaigns):
    page = admin_client.get(reverse("admin:desk_campaigns")).content.decode()
    assert '<caption id="campaigns-caption">Campagnes, de la plus récente à la plus ancienne</caption>' in page
    assert '<th scope="col">Refusées par les serveurs destinataires</th>' in page
    assert f'<th scope="row">{PROMOTION.subject}<br>' in page
    viewed = AuditEvent.objects.get(event="support_campaigns_viewed")
    assert viewed.details["staff"] == admin_user.username


@pytest.mark.django_db
def test_an_agent_is_refused_the_page_and_the_refusal_written_R_MSG13_R_SUP7(agent_client, campaigns):
    assert agent_client.get(reverse("admin:desk_campaigns")).status_code == 403
    refused = AuditEvent.objects.get(event="support_action_refused")
    assert (refused.details["action"], refused.details["why"]) == ("campaigns_view", "supervisor_only")
    assert not AuditEvent.objects.filter(event="support_campaigns_viewed").exists()
