"""R-SUP5: « Vous n'avez rien reçu ? » tells the person what the service knows of the latest link, then the
seed's checklist in its order, without calling anyone."""

import html
from datetime import timedelta

import pytest
from django.urls import reverse

from moncompte.accounts.bounces import bounce_receive, envelope_recipients
from moncompte.outbox.delivery import deliver_due
from moncompte.outbox.models import OutboundEmail
from moncompte.outbox.transport import SmtpTransport
from tests import factories
from tests.accounts.test_bounces import sample
from tests.factories import PERSONAL_CODE, last_link_token

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("traveller")]
NIR = "2 84 05 88 321 025 32"
CHECKLIST = [
    "est exacte",
    "courriels indésirables",
    "« Votre compte ameli - Confirmation de votre adresse mail » et l'expéditeur « Votre Assurance Maladie »",
    "le courriel le plus récent",
    "liste rouge",
    "antivirus",
    "la page du lien doit dire « Votre adresse email est confirmée »",
    "donnez une autre adresse",
    "Outlook",
]


def pending_page(client, code_sent, now) -> str:
    answer = client.post(reverse("web:sign_in"), {"nir": NIR, "code": PERSONAL_CODE}, follow=True)
    return html.unescape(answer.content.decode())


def test_the_checklist_comes_in_the_seed_s_order_with_the_link_s_dates_R_SUP5(client, code_sent, now):
    factories.with_link_sent(code_sent, now)
    page = pending_page(client, code_sent, now)
    positions = [page.index(item) for item in CHECKLIST]
    assert positions == sorted(positions)
    assert "envoyé le 02/03/2026 à 10 h 00" in page  # Paris time
    assert "valable jusqu'au 09/03/2026 à 10 h 00" in page
    assert "<strong>ce courriel est en cours d'envoi</strong>" in page


def test_the_person_reads_whether_the_mail_was_delivered_or_refused_R_SUP5(client, code_sent, now, smtp_sink):
    factories.with_link_sent(code_sent, now)
    assert "en cours d'envoi" in pending_page(client, code_sent, now)
    controller, _ = smtp_sink
    deliver_due(transport=SmtpTransport(host=controller.hostname, port=controller.port))
    sent = "ce courriel est parti le 02/03/2026 à 10 h 00, et votre messagerie ne l'a pas refusé"
    assert sent in pending_page(client, code_sent, now)
    email = OutboundEmail.objects.get(template="email_confirmation")
    raw = sample("gmail_hard", email)
    bounce_receive(raw=raw, recipients=envelope_recipients(raw), now=now)
    refused = "ce courriel a été refusé par votre messagerie : adresse inexistante ou fermée"
    assert refused in pending_page(client, code_sent, now)


def test_an_expired_link_page_tells_the_facts_without_the_full_address_R_SUP5(client, code_sent, now, traveller):
    factories.with_link_sent(code_sent, now)
    traveller.shift(timedelta(days=7, minutes=1))
    page = client.get(reverse("web:email_link", args=[last_link_token("camille@example.fr")])).content.decode()
    assert "Vous n'avez rien reçu ?" in page
    assert "valable jusqu'au 09/03/2026" in page
    assert "camille@example.fr" not in page


def test_an_old_link_to_another_address_tells_its_holder_nothing_of_the_new_one(client, code_sent, now, traveller):
    """The old address may have been mistyped: whoever holds its link is not told where the new one went."""
    from moncompte.enrollment.email_links import email_replace
    from tests.factories import CLIENT

    factories.with_link_sent(code_sent, now, "camille@gmial.com")
    old = last_link_token("camille@gmial.com")
    traveller.shift(timedelta(minutes=2))
    email_replace(account_id=code_sent.sent.account_id, address="camille@example.fr", client=CLIENT, now=now)
    page = client.get(reverse("web:email_link", args=[old])).content.decode()
    assert "Ce lien a été remplacé" in page
    assert "Ce que nous savons de votre dernier lien" not in page


def test_after_21_days_signing_in_says_why_an_address_is_asked_again_R_EM7(client, code_sent, now, traveller):
    from moncompte.enrollment.email_links import pending_emails_forget

    factories.with_link_sent(code_sent, now)
    traveller.shift(timedelta(days=21, minutes=1))
    assert pending_emails_forget(now=now + timedelta(days=21, minutes=1)) == 1
    page = pending_page(client, code_sent, now)
    assert "Mes coordonnées" in page
    assert (
        "L'adresse email que vous aviez saisie n'a pas été confirmée : elle n'est plus mémorisée. Saisissez une "
        "adresse email valide, un lien à activer vous sera envoyé." in page
    )


def test_the_first_visit_s_contact_step_has_nothing_to_explain(client, code_sent, now):
    factories.with_personal_code(code_sent, now)
    page = pending_page(client, code_sent, now)
    assert "Mes coordonnées" in page
    assert "n'est plus mémorisée" not in page


def test_the_contact_step_offers_the_address_that_received_the_code(client, code_sent, now):
    factories.with_personal_code(code_sent, now)
    page = pending_page(client, code_sent, now)
    assert page.count('value="camille@example.fr"') == 2  # the address and its confirmation, to check or change
