"""R-SUP8, R-MSG11: the person's page tells the agent what to say when a person asks for the account to be erased
or says someone else created it, and shows « Ma messagerie » without its content."""

import html

import pytest
from django.urls import reverse

from moncompte.messaging.box import message_open
from moncompte.messaging.post import message_post
from moncompte.outbox.models import EmailStatus, OutboundEmail
from moncompte.outbox.reports import ReportKind
from tests import factories
from tests.factories import CLIENT
from tests.support.test_desk import search

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("traveller")]
SUBJECT, BODY = "Résultat de votre dépistage", "Votre test est positif : appelez votre médecin."


@pytest.fixture
def active(code_sent, now):
    return factories.active(code_sent, now).account


def person_page(client, account) -> str:
    assert search(client, str(account.pk)).status_code == 302
    return html.unescape(client.get(reverse("admin:desk_person", args=[account.pk])).content.decode())


def test_the_agent_reads_what_to_say_to_a_person_asking_for_erasure_R_SUP8(agent_client, active):
    page = person_page(agent_client, active)
    said = page.split('data-say="erasure">', 1)[1].split("</p>", 1)[0]
    assert "ni un agent ni un superviseur" in said
    assert "À dire :</strong> « Adressez votre demande d'effacement par écrit à votre caisse" in said
    assert "délégué à la protection des données" in said


def test_the_agent_reads_what_to_say_when_someone_else_created_the_account_R_SUP8_R_BOT2(agent_client, active):
    page = person_page(agent_client, active)
    said = page.split('data-say="restart">', 1)[1].split("</p>", 1)[0]
    assert "À dire :</strong> « Présentez-vous à l'accueil de votre caisse" in said
    assert "pièce d'identité originale" in said
    assert "un second responsable la validera, dans les 2 jours" in said
    assert "orientez-la vers l'accueil, où un superviseur la reçoit" in said  # an agent cannot ask for it


def test_a_supervisor_reads_the_same_words_without_the_agent_s_part_R_SUP8(admin_client, active):
    said = person_page(admin_client, active).split('data-say="restart">', 1)[1].split("</p>", 1)[0]
    assert "« Présentez-vous à l'accueil" in said
    assert "orientez-la vers l'accueil" not in said


def test_the_desk_shows_the_message_box_counts_and_last_notice_never_a_message_s_content_R_MSG11(
    agent_client, active, now
):
    letter = {"subject": SUBJECT, "body": BODY, "sender_service": "CPAM", "client": CLIENT, "now": now}
    first = message_post(account_id=active.pk, **letter)
    message_post(account_id=active.pk, **letter)
    message_open(account_id=active.pk, message_id=first.pk, now=now)
    notice = OutboundEmail.objects.filter(account_id=active.pk, template="message_notice").get()
    OutboundEmail.objects.filter(pk=notice.pk).update(status=EmailStatus.SENT)
    notice.reports.create(received_at=now, kind=ReportKind.HARD, status="5.1.1", fingerprint="x")
    page = person_page(agent_client, active)
    box = page.split('data-rule="R-MSG11">', 1)[1].split("</dl>", 1)[0]
    assert "2 messages, dont 1 non lu" in box
    assert "du 02/03/2026 à 10:00" in box  # the desk's hours are Paris time
    assert "accepté par notre serveur d'envoi ; puis adresse inexistante ou fermée le 02/03/2026" in box
    assert SUBJECT not in page
    assert "positif" not in page


def test_a_person_without_messages_shows_an_empty_box_and_no_notice_R_MSG11(agent_client, active):
    box = person_page(agent_client, active).split('data-rule="R-MSG11">', 1)[1].split("</dl>", 1)[0]
    assert "0 message, dont 0 non lu" in box
    assert "<dd>aucun</dd>" in box
