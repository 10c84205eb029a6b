"""R-SUP4: the seed's checklist for « Je n'ai pas reçu l'email », one rule at a time."""

from collections.abc import Callable
from datetime import timedelta

import pytest

from moncompte.accounts.bounces import bounce_receive, envelope_recipients
from moncompte.accounts.models import EmailLink
from moncompte.core.client import Client
from moncompte.enrollment.email_links import email_replace, link_opened, pending_emails_forget
from moncompte.outbox.delivery import deliver_due
from moncompte.outbox.models import OutboundEmail
from moncompte.outbox.transport import SmtpTransport
from moncompte.support import actions
from moncompte.support.actions import Staff
from moncompte.support.diagnosis import Finding, diagnose
from moncompte.support.mail_servers import MailServersSeen
from moncompte.support.person_file import person_file_of
from moncompte.support.roles import Role
from tests import factories
from tests.accounts.test_bounces import sample
from tests.factories import CLIENT, last_link_token
from tests.helpers import NOW

pytestmark = [pytest.mark.django_db]


def dns_says(receives_mail: bool | None, at=NOW) -> Callable[[str], MailServersSeen]:
    return lambda domain: MailServersSeen(receives_mail=receives_mail, checked_at=at)


DNS_YES = dns_says(True)


def rules(account_id, now, *, mail_servers=DNS_YES) -> dict[str, str]:
    return {finding.rule: finding.seen for finding in findings_of(account_id, now, mail_servers=mail_servers)}


def findings_of(account_id, now, *, mail_servers=DNS_YES) -> list[Finding]:
    return diagnose(person_file_of(account_id=account_id, now=now), now=now, mail_servers=mail_servers)


def delivered_by_our_relay(smtp_sink) -> None:
    controller, _ = smtp_sink
    deliver_due(transport=SmtpTransport(host=controller.hostname, port=controller.port))


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


def test_courriels_indesirables_when_our_relay_accepted_the_mail_said_as_such(code_sent, now, traveller, smtp_sink):
    """Issue 23, point 10: the relay's 250 is all the outbox knows; it is not said delivered to the mailbox."""
    account = factories.with_link_sent(code_sent, now).account
    delivered_by_our_relay(smtp_sink)
    delivered = next(f for f in findings_of(account.pk, now) if f.rule == "courriels_indesirables")
    assert delivered.seen.startswith("Le dernier courriel de confirmation a été accepté par notre serveur d'envoi le")
    assert "remis à la messagerie le" not in delivered.seen
    assert "« Votre compte ameli - Confirmation de votre adresse mail »" in delivered.say
    assert "« Votre Assurance Maladie »" in delivered.say


def test_a_delivery_report_of_the_recipient_s_server_is_said_delivered_to_the_mailbox(
    code_sent, now, traveller, smtp_sink
):
    account = factories.with_link_sent(code_sent, now).account
    delivered_by_our_relay(smtp_sink)
    email = OutboundEmail.objects.filter(template="email_confirmation").latest("id")
    raw = sample("delayed_soft", email).replace(b"Action: delayed", b"Action: delivered")
    bounce_receive(raw=raw.replace(b"4.2.2", b"2.0.0"), recipients=envelope_recipients(raw), now=now)
    seen = rules(account.pk, now)["courriels_indesirables"]
    assert seen.startswith("Le dernier courriel de confirmation a été remis à la messagerie du destinataire le")


def test_no_spam_finding_when_the_address_cannot_work(code_sent, now, traveller, smtp_sink):
    """Issue 23, point 10: a domain without mail servers receives nothing to look for among the spams."""
    account = factories.with_link_sent(code_sent, now, "camille@messagerie-inexistante.example").account
    delivered_by_our_relay(smtp_sink)
    assert list(rules(account.pk, now, mail_servers=dns_says(False))) == ["domaine_sans_messagerie"]


def test_liste_rouge_orange_a_provider_known_to_filter(code_sent, now, traveller):
    account = factories.with_link_sent(code_sent, now, "camille@orange.fr").account
    assert "liste rouge" in rules(account.pk, now)["fournisseur_filtrant"]


def test_a_provider_not_known_to_filter_is_not_suspected(code_sent, now, traveller):
    account = factories.with_link_sent(code_sent, now, "camille@free.fr").account
    assert "fournisseur_filtrant" not in rules(account.pk, now)


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


@pytest.mark.parametrize("erased", [False, True], ids=["before the job erases it", "erased by the job"])
def test_a_forgotten_address_comes_first_and_says_how_the_person_gives_one_again_R_EM7(
    code_sent, now, traveller, smtp_sink, erased
):
    """Issue 23, point 10: 21 days on, the address is forgotten; no spam advice for a link that no longer is."""
    account = factories.with_link_sent(code_sent, now).account
    delivered_by_our_relay(smtp_sink)
    later = now + timedelta(days=21, minutes=1)
    if erased:
        assert pending_emails_forget(now=later) == 1
    findings = findings_of(account.pk, later)
    assert [finding.rule for finding in findings] == ["adresse_oubliee"]
    assert findings[0].seen.startswith("L'adresse non confirmée n'est plus mémorisée depuis le 23/03/2026")
    assert "Aucun lien ne peut plus y être renvoyé." in findings[0].seen
    assert "se connecte avec son numéro de sécurité sociale et son code personnel" in findings[0].say
    assert "le site lui demande une adresse email valide et un nouveau lien y est envoyé" in findings[0].say
    assert person_file_of(account_id=account.pk, now=later).resend_possible is False


def forgotten_then_replaced(code_sent, now, traveller, *, after=timedelta(minutes=5)):
    """The address forgotten at 21 days (R-EM7), then another given `after` it: (account, the forgetting)."""
    account = factories.with_link_sent(code_sent, now).account
    later = now + timedelta(days=21, minutes=1)
    pending_emails_forget(now=later)
    traveller.move_to(later + after)
    email_replace(account_id=account.pk, address="camille@example.org", client=CLIENT, now=later + after)
    return account, later


@pytest.mark.parametrize("after", [timedelta(minutes=5), timedelta(0)], ids=["5 minutes after", "the same instant"])
def test_an_address_given_after_the_old_one_was_forgotten_is_no_longer_said_forgotten(code_sent, now, traveller, after):
    account, later = forgotten_then_replaced(code_sent, now, traveller, after=after)
    assert person_file_of(account_id=account.pk, now=later + timedelta(minutes=10)).forgotten_at is None
    assert "adresse_oubliee" not in rules(account.pk, later + timedelta(minutes=10))


def test_a_link_opened_only_after_it_expired_is_no_unconfirmed_open_and_expiry_comes_first_R_EM6(
    code_sent, now, traveller, smtp_sink
):
    """Issue 23, point 10: the person clicked her own link on day 8; the page told her it no longer works."""
    account = factories.with_link_sent(code_sent, now, "camille@orange.fr").account
    token = last_link_token("camille@orange.fr")
    delivered_by_our_relay(smtp_sink)
    day_8 = now + timedelta(days=8)
    link_opened(token=token, client=CLIENT, now=day_8)
    findings = findings_of(account.pk, day_8)
    assert findings[0].rule == "lien_expire"
    assert "lien_bloque" not in [finding.rule for finding in findings]
    assert "Il a été ouvert le 10/03/2026 à 10:00, après cette date" in findings[0].seen
    assert "renvoyer le lien à la même adresse" in findings[0].say
    assert "Pour une autre adresse, la personne se connecte avec son numéro de sécurité sociale" in findings[0].say
    assert "(même adresse ou une autre)" not in findings[0].say


def test_findings_come_by_relevance_expiry_then_the_address_then_the_filters(code_sent, now, traveller, smtp_sink):
    account = factories.with_link_sent(code_sent, now, "camille@orange.fr").account
    token = last_link_token("camille@orange.fr")
    delivered_by_our_relay(smtp_sink)
    link_opened(token=token, client=CLIENT, now=now + timedelta(seconds=20))
    day_8 = now + timedelta(days=8)
    assert list(rules(account.pk, day_8)) == [
        "lien_expire",
        "lien_bloque",
        "courriels_indesirables",
        "fournisseur_filtrant",
    ]


def test_the_expiry_comes_before_an_address_that_cannot_work(code_sent, now, traveller):
    account = factories.with_link_sent(code_sent, now, "camille@messagerie-inexistante.example").account
    found = rules(account.pk, now + timedelta(days=8), mail_servers=dns_says(False))
    assert list(found) == ["lien_expire", "domaine_sans_messagerie"]


def test_nothing_is_said_of_a_confirmed_address_without_trouble(code_sent, now, traveller):
    account = factories.active(code_sent, now).account
    assert rules(account.pk, now) == {}


def test_a_confirmed_address_gets_no_delivery_troubleshooting_of_its_old_link(code_sent, now, traveller, smtp_sink):
    """Issue 23, point 10: an active account whose link was confirmed has nothing left to look for."""
    account = factories.active(code_sent, now, "camille@orange.fr").account
    delivered_by_our_relay(smtp_sink)
    assert rules(account.pk, now + timedelta(days=1)) == {}


def test_the_person_s_file_holds_her_own_addresses_and_state_only_R_SUP4(code_sent, now, traveller):
    from moncompte.accounts.states import AccountState
    from tests.support.test_actions import other_pending_account

    account = factories.active(code_sent, now).account
    other_pending_account(now)  # someone else's address waiting for its link
    file = person_file_of(account_id=account.pk, now=now)
    assert file.state == AccountState.ACTIVE
    assert file.confirmed_address is not None
    assert file.confirmed_address.address == "camille@example.fr"
    assert (file.pending_address, file.resend_possible) == (None, False)
    assert (file.birth_date, file.postal_code, file.nir, file.has_personal_code) == (
        "03/05/1984",
        "88100",
        "2 84 05 88 321 025 32",
        True,
    )
    assert file.latest_link is not None
    assert (file.latest_link.address, file.latest_link.confirmed_at) == ("camille@example.fr", now)
    from moncompte.audit.models import AuditEvent

    assert len(file.timeline) == AuditEvent.objects.filter(account_id=account.pk).count() > 0


def test_the_person_s_history_is_hers_newest_first_in_words(code_sent, now, traveller):
    from moncompte.audit.labels import details_in_words, event_label
    from moncompte.audit.models import AuditEvent
    from tests.support.test_actions import other_pending_account

    account = factories.with_link_sent(code_sent, now).account
    other_pending_account(now)
    AuditEvent.objects.create(at=now, event="sign_in_failure", account_id=account.pk + 1, client_address="192.0.2.1")
    mine = AuditEvent.objects.filter(account_id=account.pk).order_by("-at", "-id")
    file = person_file_of(account_id=account.pk, now=now)
    assert [(e.at, e.label, e.details) for e in file.timeline] == [
        (event.at, event_label(event.event), details_in_words(event.details)) for event in mine
    ]
    assert file.timeline[0].label != file.timeline[-1].label  # words, not one repeated


def test_a_long_history_shows_its_200_newest_events_the_desk_page_stays_small(code_sent, now, traveller):
    from moncompte.audit.models import AuditEvent

    account = factories.with_link_sent(code_sent, now).account
    AuditEvent.objects.bulk_create(
        AuditEvent(at=now + timedelta(seconds=n), event="sign_in_failure", account_id=account.pk) for n in range(1, 201)
    )
    timeline = person_file_of(account_id=account.pk, now=now).timeline
    assert len(timeline) == 200
    assert (timeline[0].at, timeline[-1].at) == (now + timedelta(seconds=200), now + timedelta(seconds=1))


def test_a_new_address_is_dated_by_its_own_link_not_the_confirmed_one_s_R_EM7(code_sent, now, traveller):
    account = factories.active(code_sent, now).account
    email_replace(account_id=account.pk, address="camille@example.org", client=CLIENT, now=now + timedelta(days=10))
    file = person_file_of(account_id=account.pk, now=now + timedelta(days=22))
    assert (file.forgotten_at, file.resend_possible) == (None, True)  # 12 days: expired, not forgotten


def test_the_latest_link_shows_when_it_left_ends_and_is_forgotten_R_EM6_R_EM7(code_sent, now, traveller):
    account = factories.with_link_sent(code_sent, now).account
    latest = person_file_of(account_id=account.pk, now=now).latest_link
    assert latest is not None
    assert (latest.sent_at, latest.valid_until, latest.forgotten_at) == (
        now,
        now + timedelta(days=7),
        now + timedelta(days=21),
    )


def test_another_account_s_forgotten_address_is_not_said_forgotten_here_R_EM7(code_sent, now, traveller):
    from moncompte.audit.models import AuditEvent
    from tests.support.test_actions import other_pending_account

    account = factories.active(code_sent, now).account
    other = other_pending_account(now)
    AuditEvent.objects.create(at=now + timedelta(days=1), event="email_forgotten", account_id=other.pk)
    assert person_file_of(account_id=account.pk, now=now + timedelta(days=2)).forgotten_at is None


@pytest.mark.parametrize(
    "after", [timedelta(minutes=5), timedelta(0)], ids=["given and confirmed after", "at the very same instant"]
)
def test_an_address_confirmed_after_the_old_one_was_forgotten_ends_the_forgetting_R_EM7(
    code_sent, now, traveller, after
):
    from moncompte.enrollment.email_links import email_confirm

    account, later = forgotten_then_replaced(code_sent, now, traveller, after=after)
    email_confirm(token=last_link_token("camille@example.org"), client=CLIENT, now=later + after)
    assert person_file_of(account_id=account.pk, now=later + timedelta(minutes=10)).forgotten_at is None


def test_the_latest_link_says_its_window_how_often_and_since_when_it_was_opened_R_EM6_R_SUP4(code_sent, now, traveller):
    account = factories.with_link_sent(code_sent, now).account
    token = last_link_token("camille@example.fr")
    link_opened(token=token, client=CLIENT, now=now + timedelta(hours=1))
    link_opened(token=token, client=CLIENT, now=now + timedelta(days=2))
    latest = person_file_of(account_id=account.pk, now=now + timedelta(days=8)).latest_link
    assert latest is not None
    assert (latest.window, latest.opens, latest.first_opened_at) == (
        "lien expiré (plus de 7 jours) : renvoi possible jusqu'au 21e jour",
        2,
        now + timedelta(hours=1),
    )


def test_the_latest_link_shows_the_address_as_typed_then_as_sent_once_another_account_took_it_R_EM7(
    code_sent, now, traveller
):
    from tests.support.test_actions import other_pending_account

    account = factories.with_link_sent(code_sent, now, "Camille@Example.FR").account
    latest = person_file_of(account_id=account.pk, now=now).latest_link
    assert latest is not None
    assert latest.address == "Camille@Example.FR"
    # After its 21 days, before the forgetting job, another person may claim the address: this account's link
    # loses its address row and keeps the canonical form it was sent to.
    later = now + timedelta(days=22)
    email_replace(account_id=other_pending_account(now).pk, address="camille@example.fr", client=CLIENT, now=later)
    latest = person_file_of(account_id=account.pk, now=later).latest_link
    assert latest is not None
    assert latest.address == "camille@example.fr"


def test_with_its_links_voided_at_the_desk_the_pending_address_is_still_the_one_examined(code_sent, now, traveller):
    """A supervisor voided the links (a link seen by someone else): no link is left, and the checklist still
    looks at the address that awaits confirmation, not at nothing."""
    account = factories.with_link_sent(code_sent, now, "camille@gmial.com").account
    supervisor = Staff(username="sup.martin", role=Role.SUPERVISOR, client=Client("10.1.2.3", "pytest"))
    assert actions.links_void(account_id=account.pk, staff=supervisor, reason="lien vu par un tiers", now=now) == 1
    file = person_file_of(account_id=account.pk, now=now)
    assert file.latest_link is None
    assert "« gmail.com »" in rules(account.pk, now)["adresse_exacte"]
