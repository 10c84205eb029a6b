"""R-SUP4: the seed's checklist for « Je n'ai pas reçu l'email », one rule at a time."""

from collections.abc import Callable
from datetime import timedelta

import pytest

from moncompte.accounts.bounces import bounce_receive, envelope_recipients
from moncompte.accounts.models import EmailLink
from moncompte.enrollment.email_links import link_opened, link_resend
from moncompte.outbox.delivery import deliver_due
from moncompte.outbox.models import OutboundEmail
from moncompte.outbox.transport import SmtpTransport
from moncompte.support.diagnosis import diagnose
from moncompte.support.mail_servers import MailServersSeen
from moncompte.support.person_file import person_file_of
from tests import factories
from tests.accounts.test_bounces import sample
from tests.factories import CLIENT, last_link_token
from tests.helpers import NOW

pytestmark = [pytest.mark.django_db]


def dns_says(receives_mail: bool | None, at=NOW) -> Callable[[str], MailServersSeen]:
    return lambda domain: MailServersSeen(receives_mail=receives_mail, checked_at=at)


DNS_YES = dns_says(True)


def rules(account_id, now, *, mail_servers=DNS_YES) -> dict[str, str]:
    findings = diagnose(person_file_of(account_id=account_id, now=now), now=now, mail_servers=mail_servers)
    return {finding.rule: finding.seen for finding in findings}


def test_l_adresse_est_exacte_a_typo_in_a_known_domain(code_sent, now, traveller):
    account = factories.with_link_sent(code_sent, now, "camille@gmial.com").account
    assert "« gmail.com »" in rules(account.pk, now)["adresse_exacte"]


def test_a_domain_without_mail_servers_is_said_with_the_time_of_the_dns_answer(code_sent, now, traveller):
    account = factories.with_link_sent(code_sent, now, "camille@messagerie-inexistante.example").account
    seen = rules(account.pk, now, mail_servers=dns_says(False))["domaine_sans_messagerie"]
    assert seen == (
        "Le domaine « messagerie-inexistante.example » ne reçoit pas de courriel : aucun serveur de messagerie "
        "n'y est déclaré (réponse du DNS le 02/03/2026 à 10:00)."
    )


def test_no_verdict_on_the_mail_servers_without_an_answer_of_the_dns(code_sent, now, traveller):
    account = factories.with_link_sent(code_sent, now, "camille@messagerie-inexistante.example").account
    assert "domaine_sans_messagerie" not in rules(account.pk, now, mail_servers=dns_says(None))  # could not tell
    assert "domaine_sans_messagerie" not in rules(account.pk, now, mail_servers=lambda domain: None)  # not asked


def test_a_confirmed_address_proved_it_works_whatever_the_dns_says_now(code_sent, now, traveller):
    """Issue 23, point 10: an active account's confirmed address is never said unable to work."""
    account = factories.active(code_sent, now, "camille@messagerie-inexistante.example").account
    asked: list[str] = []

    def dns_no(domain: str) -> MailServersSeen:
        asked.append(domain)
        return MailServersSeen(receives_mail=False, checked_at=now)

    assert rules(account.pk, now, mail_servers=dns_no) == {}
    assert asked == []


def test_a_confirmed_address_near_a_known_domain_is_no_typo(code_sent, now, traveller):
    account = factories.active(code_sent, now, "camille@gmial.com").account
    assert "adresse_exacte" not in rules(account.pk, now)


def test_le_courriel_a_ete_refuse_a_bounce_is_shown_with_the_server_s_words(code_sent, now, traveller):
    account = factories.with_link_sent(code_sent, now).account
    email = OutboundEmail.objects.filter(template="email_confirmation").latest("id")
    raw = sample("orange_hard", email)
    bounce_receive(raw=raw, recipients=envelope_recipients(raw), now=now)
    assert "OFR_416" in rules(account.pk, now)["envoi_refuse"]


def test_courriels_indesirables_when_the_mail_was_delivered(code_sent, now, traveller, smtp_sink):
    account = factories.with_link_sent(code_sent, now).account
    controller, _ = smtp_sink
    deliver_due(transport=SmtpTransport(host=controller.hostname, port=controller.port))
    found = diagnose(person_file_of(account_id=account.pk, now=now), now=now, mail_servers=DNS_YES)
    delivered = next(f for f in found if f.rule == "courriels_indesirables")
    assert "remis à la messagerie" in delivered.seen
    assert "« Votre compte ameli - Confirmation de votre adresse mail »" in delivered.say
    assert "« Votre Assurance Maladie »" in delivered.say


def test_liste_rouge_orange_a_provider_known_to_filter(code_sent, now, traveller):
    account = factories.with_link_sent(code_sent, now, "camille@orange.fr").account
    assert "liste rouge" in rules(account.pk, now)["fournisseur_filtrant"]


def test_a_provider_not_known_to_filter_is_not_suspected(code_sent, now, traveller):
    account = factories.with_link_sent(code_sent, now, "camille@free.fr").account
    assert "fournisseur_filtrant" not in rules(account.pk, now)


def test_ancien_mail_de_validation_an_old_link_opened_after_a_newer_one_was_sent(code_sent, now, traveller):
    account = factories.with_link_sent(code_sent, now).account
    old_token = last_link_token("camille@example.fr")
    traveller.shift(timedelta(minutes=10))
    link_resend(account_id=account.pk, client=CLIENT, now=now + timedelta(minutes=10))
    later = now + timedelta(minutes=30)
    link_opened(token=old_token, client=CLIENT, now=later)
    assert "ancien lien" in rules(account.pk, later)["ancien_lien"]


def test_lien_bloque_opened_by_a_scanner_and_never_confirmed(code_sent, now, traveller):
    account = factories.with_link_sent(code_sent, now).account
    link_opened(token=last_link_token("camille@example.fr"), client=CLIENT, now=now + timedelta(seconds=20))
    assert "antivirus" in rules(account.pk, now)["lien_bloque"]
    assert EmailLink.objects.get().opens == 1


def test_windows_the_link_is_past_7_days_then_the_address_past_21(code_sent, now, traveller):
    account = factories.with_link_sent(code_sent, now).account
    assert "lien_expire" not in rules(account.pk, now)
    assert "lien_expire" in rules(account.pk, now + timedelta(days=7, minutes=1))
    assert "adresse_oubliee" in rules(account.pk, now + timedelta(days=21, minutes=1))


def test_nothing_is_said_of_a_confirmed_address_without_trouble(code_sent, now, traveller):
    account = factories.active(code_sent, now).account
    assert rules(account.pk, now) == {}
