"""R-SUP4: each finding of « Je n'ai pas reçu l'email » word for word, what was seen and what to tell the person:
the agent reads them out on the phone (mutmut's survivors in support/diagnosis.py)."""

from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller

from moncompte.accounts.bounces import bounce_receive, envelope_recipients
from moncompte.enrollment.email_links import email_replace, link_opened, link_resend, pending_emails_forget
from moncompte.outbox.delivery import deliver_due
from moncompte.outbox.models import OutboundEmail
from moncompte.outbox.retention import outbox_purge
from moncompte.outbox.sink import free_port
from moncompte.outbox.transport import SmtpTransport
from moncompte.support.diagnosis import Finding
from tests import factories
from tests.accounts.test_bounces import sample
from tests.factories import CLIENT, last_link_token
from tests.outbox.test_delivery import RefuseRecipients
from tests.support.test_diagnosis import delivered_by_our_relay, dns_says, findings_of

pytestmark = [pytest.mark.django_db]
PERSON_CHANGES_IT = (
    "la personne se connecte avec son numéro de sécurité sociale et son code personnel (ou « Code oublié ? ») et "
    "saisit elle-même la bonne adresse : un lien y part."
)
SPAMS = (
    "Faites regarder les courriels indésirables (spams), et chercher l'objet « Votre compte ameli - Confirmation de "
    "votre adresse mail » et l'expéditeur « Votre Assurance Maladie », y compris dans les fils de discussion."
)


def finding(account_id, now, rule: str, **dns) -> Finding:
    return next(found for found in findings_of(account_id, now, **dns) if found.rule == rule)


def test_a_typo_in_a_known_domain(code_sent, now, traveller):
    account = factories.with_link_sent(code_sent, now, "camille@gmial.com").account
    assert finding(account.pk, now, "adresse_exacte") == Finding(
        "adresse_exacte",
        "Le domaine « gmial.com » ressemble à « gmail.com ».",
        "Faites épeler l'adresse ; si elle est fausse, " + PERSON_CHANGES_IT,
    )


def test_a_domain_without_mail_servers(code_sent, now, traveller):
    account = factories.with_link_sent(code_sent, now, "camille@messagerie-inexistante.example").account
    traveller.shift(timedelta(hours=1))
    assert finding(account.pk, now, "domaine_sans_messagerie", mail_servers=dns_says(False)) == Finding(
        "domaine_sans_messagerie",
        "Le domaine « messagerie-inexistante.example » ne reçoit pas de courriel : aucun serveur de messagerie n'y "
        "est déclaré (réponse du DNS le 02/03/2026 à 10:00).",
        "L'adresse ne peut pas fonctionner : " + PERSON_CHANGES_IT,
    )


def test_a_refusal_by_the_recipient_s_side(code_sent, now, traveller):
    account = factories.with_link_sent(code_sent, now).account
    email = OutboundEmail.objects.filter(template="email_confirmation").latest("id")
    raw = sample("orange_hard", email)
    bounce_receive(raw=raw, recipients=envelope_recipients(raw), now=now)
    assert finding(account.pk, now, "envoi_refuse") == Finding(
        "envoi_refuse",
        "Le dernier courriel de confirmation a été refusé par la messagerie du destinataire : smtp; 550 5.1.1 "
        "<camille@example.fr>: Recipient address rejected: Adresse d au moins un destinataire invalide. Invalid "
        "recipient. OFR_416 [416]",
        "Proposez une autre adresse, chez le même fournisseur ou un autre : " + PERSON_CHANGES_IT,
    )


def test_an_email_our_relay_accepted_at_an_outlook_address(code_sent, now, traveller, smtp_sink):
    account = factories.with_link_sent(code_sent, now, "camille@hotmail.fr").account
    traveller.shift(timedelta(minutes=3))
    delivered_by_our_relay(smtp_sink)
    later = now + timedelta(hours=1)
    traveller.move_to(later)  # the dates said are the events', not the clock's
    assert finding(account.pk, later, "courriels_indesirables") == Finding(
        "courriels_indesirables",
        "Le dernier courriel de confirmation a été accepté par notre serveur d'envoi le 02/03/2026 à 10:03 ; aucune "
        "erreur n'est revenue depuis (la messagerie du destinataire ne dit pas toujours qu'elle l'a remis).",
        SPAMS,
    )
    assert finding(account.pk, later, "messagerie_outlook") == Finding(
        "messagerie_outlook",
        "« hotmail.fr » est une messagerie Outlook (Microsoft).",
        "Faites regarder le dossier « Courrier indésirable » d'Outlook, sur outlook.com dans un navigateur si la "
        "personne lit d'habitude ses courriels dans un logiciel ou une application : Outlook s'utilise sans passer "
        "par eux.",
    )


def test_an_email_the_recipient_s_server_reported_delivered(code_sent, now, traveller, smtp_sink):
    account = factories.with_link_sent(code_sent, now).account
    delivered_by_our_relay(smtp_sink)
    email = OutboundEmail.objects.filter(template="email_confirmation").latest("id")
    raw = sample("delayed_soft", email).replace(b"Action: delayed", b"Action: delivered")
    bounce_receive(raw=raw.replace(b"4.2.2", b"2.0.0"), recipients=envelope_recipients(raw), now=now)
    traveller.shift(timedelta(hours=1))
    assert finding(account.pk, now, "courriels_indesirables") == Finding(
        "courriels_indesirables",
        "Le dernier courriel de confirmation a été remis à la messagerie du destinataire le 02/03/2026 à 10:00 (avis "
        "de remise de son serveur).",
        SPAMS,
    )


def test_a_provider_known_to_filter(code_sent, now, traveller):
    account = factories.with_link_sent(code_sent, now, "camille@wanadoo.fr").account
    assert finding(account.pk, now, "fournisseur_filtrant") == Finding(
        "fournisseur_filtrant",
        "« wanadoo.fr » filtre parfois nos courriels : chez Orange, une liste rouge supprime automatiquement des "
        "courriels contenant le mot « confirmation ».",
        "Faites vérifier les règles de tri de la messagerie ; sinon, proposez une adresse chez un autre fournisseur.",
    )


def test_an_old_link_opened_after_the_newer_one_was_sent(code_sent, now, traveller):
    account = factories.with_link_sent(code_sent, now).account
    old_token = last_link_token("camille@example.fr")
    traveller.shift(timedelta(minutes=10))
    link_resend(account_id=account.pk, client=CLIENT, now=now + timedelta(minutes=10))
    later = now + timedelta(minutes=30)
    link_opened(token=old_token, client=CLIENT, now=later)
    traveller.move_to(later)
    assert finding(account.pk, later, "ancien_lien") == Finding(
        "ancien_lien",
        "Un ancien lien a été ouvert après l'envoi du plus récent (le 02/03/2026 à 10:10).",
        "Seul le lien du courriel le plus récent fonctionne : faites chercher le dernier courriel de confirmation.",
    )


def test_an_old_link_opened_the_very_moment_the_newer_one_left_is_not_said_opened_after(code_sent, now, traveller):
    account = factories.with_link_sent(code_sent, now).account
    old_token = last_link_token("camille@example.fr")
    resent = now + timedelta(minutes=10)
    traveller.move_to(resent)
    link_resend(account_id=account.pk, client=CLIENT, now=resent)
    link_opened(token=old_token, client=CLIENT, now=resent)
    assert "ancien_lien" not in [found.rule for found in findings_of(account.pk, resent)]


@pytest.mark.parametrize(
    ("after", "said"),
    [
        (timedelta(seconds=20), ", moins de 2 minutes après l'envoi (sans doute un antivirus ou la messagerie)."),
        (timedelta(minutes=2), "."),  # a machine opens it sooner
        (timedelta(minutes=5), "."),
    ],
    ids=["by a machine", "at 2 minutes", "by someone"],
)
def test_a_link_opened_and_never_confirmed(code_sent, now, traveller, after, said):
    account = factories.with_link_sent(code_sent, now).account
    link_opened(token=last_link_token("camille@example.fr"), client=CLIENT, now=now + after)
    opened_at = f"02/03/2026 à 10:0{after.seconds // 60}"
    assert finding(account.pk, now + timedelta(hours=1), "lien_bloque") == Finding(
        "lien_bloque",
        f"Le dernier lien a été ouvert sans être confirmé, la première fois le {opened_at}, quand il était valable"
        + said,
        "Un antivirus qui ouvre le lien ne confirme rien ; dans un navigateur, la page confirme d'elle-même (sans "
        "JavaScript, la personne clique sur « Confirmer mon email ») : faites ouvrir le lien le plus récent.",
    )


def test_a_link_first_opened_at_the_end_of_its_7_days_is_no_unconfirmed_open(code_sent, now, traveller):
    account = factories.with_link_sent(code_sent, now).account
    link_opened(token=last_link_token("camille@example.fr"), client=CLIENT, now=now + timedelta(days=7))
    findings = findings_of(account.pk, now + timedelta(days=8))
    assert "lien_bloque" not in [found.rule for found in findings]
    assert findings[0].seen.endswith(
        "Il a été ouvert le 09/03/2026 à 10:00, après cette date : la page a dit que le lien n'était plus actif."
    )


def test_a_new_address_forgotten_while_the_confirmed_one_stays(code_sent, now, traveller):
    account = factories.active(code_sent, now).account
    email_replace(account_id=account.pk, address="camille@example.org", client=CLIENT, now=now)
    assert findings_of(account.pk, now + timedelta(days=22)) == [
        Finding(
            "adresse_oubliee",
            "L'adresse non confirmée n'est plus mémorisée depuis le 23/03/2026 : son dernier lien avait plus de 21 "
            "jours sans confirmation. Aucun lien ne peut plus y être renvoyé. L'adresse confirmée "
            "(camille@example.fr) reste celle du compte.",
            "La personne se connecte avec son numéro de sécurité sociale et son code personnel (ou « Code oublié ? ») "
            "; le site lui demande une adresse email valide et un nouveau lien y est envoyé, à confirmer dans les 7 "
            "jours.",
        )
    ]


def test_a_link_past_its_7_days(code_sent, now, traveller):
    account = factories.with_link_sent(code_sent, now).account
    traveller.shift(timedelta(days=8))
    assert finding(account.pk, now + timedelta(days=8), "lien_expire") == Finding(
        "lien_expire",
        "Le dernier lien, envoyé le 02/03/2026 à 10:00, ne fonctionne plus depuis le 09/03/2026 à 10:00 (plus de 7 "
        "jours).",
        "Vous pouvez renvoyer le lien à la même adresse (action « Renvoyer le lien » ci-dessous) : il sera valable 7 "
        "jours. Pour une autre adresse, " + PERSON_CHANGES_IT,
    )


def test_a_link_opened_while_valid_then_past_its_7_days_is_not_said_opened_after(code_sent, now, traveller):
    account = factories.with_link_sent(code_sent, now).account
    link_opened(token=last_link_token("camille@example.fr"), client=CLIENT, now=now + timedelta(days=1))
    assert finding(account.pk, now + timedelta(days=8), "lien_expire").seen == (
        "Le dernier lien, envoyé le 02/03/2026 à 10:00, ne fonctionne plus depuis le 09/03/2026 à 10:00 (plus de 7 "
        "jours)."
    )


def test_a_pending_address_at_a_big_provider_is_never_said_without_mail_servers(code_sent, now, traveller):
    account = factories.with_link_sent(code_sent, now, "camille@gmail.com").account
    rules = [found.rule for found in findings_of(account.pk, now, mail_servers=dns_says(False))]
    assert "domaine_sans_messagerie" not in rules


def test_the_confirmed_address_kept_after_a_new_one_was_forgotten_is_not_said_unable_to_work(code_sent, now, traveller):
    account = factories.active(code_sent, now, "camille@messagerie-inexistante.example").account
    email_replace(account_id=account.pk, address="camille@example.org", client=CLIENT, now=now)
    later = now + timedelta(days=22)
    assert pending_emails_forget(now=later) == 1
    assert [found.rule for found in findings_of(account.pk, later, mail_servers=dns_says(False))] == ["adresse_oubliee"]


def test_an_email_our_relay_refused_is_said_with_the_relay_s_last_reply(code_sent, now, traveller):
    account = factories.with_link_sent(code_sent, now).account
    controller = Controller(RefuseRecipients(), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        deliver_due(transport=SmtpTransport(host=controller.hostname, port=controller.port))
    finally:
        controller.stop()
    assert finding(account.pk, now, "envoi_refuse").seen == (
        "Le dernier courriel de confirmation a été refusé par la messagerie du destinataire : 550 5.1.1 mailbox "
        "unavailable"
    )


def test_an_address_forgotten_long_ago_is_still_said_once_its_emails_are_purged(code_sent, now, traveller, smtp_sink):
    account = factories.with_link_sent(code_sent, now).account
    delivered_by_our_relay(smtp_sink)
    assert pending_emails_forget(now=now + timedelta(days=22)) == 1
    later = now + timedelta(days=91)
    assert outbox_purge(now=later) == 2  # the provisional code and the link, kept 90 days
    assert [found.rule for found in findings_of(account.pk, later)] == ["adresse_oubliee"]


def test_an_address_erased_with_its_links_and_none_confirmed_asks_the_dns_about_nothing(code_sent, now, traveller):
    account = factories.with_link_sent(code_sent, now).account
    later = now + timedelta(days=22)
    assert pending_emails_forget(now=later) == 1
    asked: list[str] = []

    def dns(domain: str):
        asked.append(domain)
        return None

    findings = findings_of(account.pk, later, mail_servers=dns)
    assert [found.rule for found in findings] == ["adresse_oubliee"]
    assert findings[0].seen.endswith("sans confirmation. Aucun lien ne peut plus y être renvoyé.")  # none confirmed
    assert asked == []


def test_a_confirmed_address_kept_after_a_forgotten_one_is_no_typo_whatever_its_domain(code_sent, now, traveller):
    account = factories.active(code_sent, now, "camille@gmial.com").account
    email_replace(account_id=account.pk, address="camille@example.org", client=CLIENT, now=now)
    later = now + timedelta(days=22)
    assert pending_emails_forget(now=later) == 1
    assert [found.rule for found in findings_of(account.pk, later)] == ["adresse_oubliee"]
