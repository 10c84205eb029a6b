"""The desk's pages as an agent reads them (issue 23, point 11): one time zone, said once; the history and the
security log in words; the seed's list with its Outlook case; the QR code of a new agent's authenticator; and
forms that keep what was typed when an action is refused (R-SUP1, R-SUP4, R-SUP7)."""

import html
import re
from datetime import timedelta

import pytest
import segno
from django.urls import reverse

from moncompte.audit.labels import EVENT_LABELS
from moncompte.enrollment.email_links import link_opened, pending_emails_forget
from moncompte.support.diagnosis import CHECKLIST
from tests import factories
from tests.helpers import NOW

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("traveller")]
REASON = "appel de l'assurée, lien non reçu"
TIME_ZONE = "Toutes les heures de ces pages sont à l'heure de Paris (Europe/Paris)."


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def visible(page: str) -> str:
    """The page's text as read: no tags, no attributes."""
    body = page[page.index(">", page.index("<body")) + 1 :]
    return re.sub(r"<[^>]*>", " ", body)


def opened(client, account_id: int) -> str:
    client.post(reverse("admin:desk_search"), {"q": str(account_id), "motif": REASON})
    return text_of(client.get(reverse("admin:desk_person", args=[account_id])))


@pytest.fixture
def pending(code_sent, now):
    return factories.with_link_sent(code_sent, now).account


def test_every_desk_page_says_its_time_zone_once_and_shows_paris_times(admin_client, pending):
    person = opened(admin_client, pending.pk)
    assert visible(person).count("Europe/Paris") == 1
    assert TIME_ZONE in person
    assert "UTC" not in person
    assert "envoyé le 02/03/2026 à 10:00" in person  # NOW is 09:00 UTC, 10:00 in Paris in March
    pages = ["admin:index", "admin:desk_search", "admin:desk_attack_mode", "admin:desk_agent_new"]
    pages += ["admin:desk_restarts", "admin:funnel", "admin:audit_auditevent_changelist", "admin:desk_campaigns"]
    for name in pages:
        assert text_of(admin_client.get(reverse(name))).count(TIME_ZONE) == 1, name


def test_the_history_says_each_event_in_words_never_by_its_code_R_SUP4(agent_client, pending):
    page = opened(agent_client, pending.pk)
    history = page[page.index("Historique") :]
    assert "Code provisoire envoyé" in history
    assert "Fiche ouverte au guichet" in history
    assert "par : agent.dupont · motif : appel de l'assurée, lien non reçu" in history
    assert [code for code in EVENT_LABELS if re.search(rf"\b{code}\b", history)] == []


def test_the_security_log_in_the_back_office_says_events_in_words(admin_client, pending):
    opened(admin_client, pending.pk)
    listing = text_of(admin_client.get(reverse("admin:audit_auditevent_changelist")))
    assert "Fiche ouverte au guichet" in listing
    assert [code for code in EVENT_LABELS if re.search(rf"\b{code}\b", visible(listing))] == []


def test_the_seed_s_list_is_on_every_person_s_page_with_its_outlook_case(agent_client, code_sent, now):
    account = factories.with_link_sent(code_sent, now, "camille@hotmail.fr").account
    page = opened(agent_client, account.pk)
    assert all(item in page for item in CHECKLIST)
    assert "Messagerie Outlook : Outlook peut s'utiliser sans passer par le logiciel du fournisseur d'accès" in page
    assert 'data-rule="messagerie_outlook"' in page
    assert "« hotmail.fr » est une messagerie Outlook (Microsoft)." in page


def test_an_address_elsewhere_has_no_outlook_finding(agent_client, pending):
    assert 'data-rule="messagerie_outlook"' not in opened(agent_client, pending.pk)


def test_a_new_agent_s_authenticator_address_comes_with_its_qr_code_R_SUP1(admin_client):
    created = {"username": "agent.b", "password": "Agent-du-support-2026", "reason": "arrivée dans l'équipe"}
    page = admin_client.post(reverse("admin:desk_agent_new"), created).content.decode()
    [address] = re.findall(r"<code data-authenticator>([^<]+)</code>", page)
    address = html.unescape(address)
    assert address.startswith("otpauth://totp/")
    [(image, alt)] = re.findall(r'<img src="([^"]+)" alt="([^"]+)" data-authenticator-qr>', page)
    assert html.unescape(image) == segno.make(address, error="m").svg_data_uri(scale=4, dark="#000", light="#fff")
    assert html.unescape(alt).startswith("Code QR de l'adresse ci-dessous")


def test_a_refused_agent_creation_keeps_the_name_and_reason_typed_never_the_password(admin_client):
    typed = {"username": "agent.c", "password": "azerty", "reason": "arrivée dans l'équipe"}
    page = text_of(admin_client.post(reverse("admin:desk_agent_new"), typed))
    assert "Création refusée" in page
    assert 'value="agent.c"' in page
    assert 'value="arrivée dans l\'équipe"' in page
    assert "azerty" not in page


def test_a_refused_action_keeps_the_reason_typed_in_its_own_form_R_SUP7(admin_client, pending):
    opened(admin_client, pending.pk)
    action = reverse("admin:desk_action", args=[pending.pk, "annuler-les-liens"])
    page = text_of(admin_client.post(action, {"reason": "vu"}, follow=True))
    assert "Indiquez le motif" in page
    assert 'id="reason-annuler-les-liens" name="reason" required size="50" value="vu"' in page
    assert 'id="reason-resend" name="reason" required size="50" value=""' in page
    again = text_of(admin_client.get(reverse("admin:desk_person", args=[pending.pk])))
    assert 'value="vu"' not in again  # once: the next visit shows empty forms


def test_a_refused_restart_request_keeps_what_was_typed_R_BOT2(admin_client, pending):
    opened(admin_client, pending.pk)
    typed = {"identity_checked": "oui", "document": "passeport", "reason": "trop court"}
    page = text_of(admin_client.post(reverse("admin:desk_restart_request", args=[pending.pk]), typed, follow=True))
    assert 'name="identity_checked" value="oui" required checked' in page
    assert '<option value="passeport" selected>' in page
    assert ">trop court</textarea>" in page


def test_a_refused_switch_of_the_attack_mode_keeps_the_choice_and_reason_R_BOT1(admin_client):
    page = text_of(
        admin_client.post(reverse("admin:desk_attack_mode"), {"action": "activer", "reason": "vu"}, follow=True)
    )
    assert 'value="activer" required checked' in page
    assert 'maxlength="500" size="60" value="vu"' in page


def desk_links(page: str) -> list[str]:
    nav = page[page.index('aria-label="Pages du guichet"') : page.index("</nav>")]
    return [html.unescape(name).strip() for name in re.findall(r"<a [^>]*>([^<]+)</a>", nav)]


def test_an_agent_is_shown_only_the_desk_pages_an_agent_can_use_R_SUP1(agent_client):
    home = text_of(agent_client.get(reverse("admin:index")))
    assert desk_links(home) == ["Rechercher une personne", "Mode attaque"]
    assert "permission de voir ou de modifier" not in home
    assert "Administration" not in visible(home)
    assert "Actions récentes" not in home


def test_a_supervisor_is_shown_the_supervisor_s_pages_and_the_security_log(admin_client):
    home = text_of(admin_client.get(reverse("admin:index")))
    assert desk_links(home)[:5] == [
        "Rechercher une personne",
        "Mode attaque",
        "Créer un agent",
        "Reprises en attente",
        "Entonnoir",
    ]
    assert "Événements de sécurité" in desk_links(home)


def test_signing_out_of_the_desk_is_said_in_its_words(agent_client):
    page = text_of(agent_client.post(reverse("admin:logout")))
    assert "Vous êtes déconnecté du support." in page


def test_a_forgotten_address_is_offered_no_resend_to_it_R_EM7(agent_client, pending, now):
    """Issue 23, point 10: 21 days on, no address is left to send the link to again (the job's time is used, the
    desk's clock stays where the agent signed in)."""
    pending_emails_forget(now=now + timedelta(days=21, minutes=1))
    page = opened(agent_client, pending.pk)
    assert 'data-rule="adresse_oubliee"' in page
    assert "Renvoyer le dernier lien à la même adresse" not in page
    assert "<dt>Adresse non confirmée</dt><dd>oubliée le 23/03/2026 sans confirmation" in page


def test_a_confirmed_link_is_said_confirmed_without_the_windows_of_a_pending_one(agent_client, code_sent, now):
    """Issue 23, point 10: no « adresse oubliée le … sans confirmation » next to « confirmé le … »."""
    account = factories.active(code_sent, now).account
    page = opened(agent_client, account.pk)
    line = page[page.index("<dt>Dernier lien") : page.index("</dd>", page.index("<dt>Dernier lien"))]
    assert "confirmé le 02/03/2026 à 10:00" in line
    assert "oubliée" not in line
    assert "valable jusqu'au" not in line


def test_an_active_account_with_a_confirmed_address_is_offered_no_resend(agent_client, code_sent, now):
    """Issue 23, point 10: nothing awaits confirmation, so no link to send again."""
    account = factories.active(code_sent, now).account
    page = opened(agent_client, account.pk)
    assert "Renvoyer le dernier lien à la même adresse" not in page
    assert 'id="reason-resend"' not in page


def test_the_search_field_has_the_focus_on_arrival_and_only_on_the_search_page(agent_client, pending):
    """Issue 23, point 10: the agent types the number as the call starts."""
    search_page = text_of(agent_client.get(reverse("admin:desk_search")))
    assert re.findall(r"<input[^>]*\bautofocus\b[^>]*>", search_page) == [
        '<input type="search" id="q" name="q" value="" size="40" required autocomplete="off" autofocus>'
    ]
    assert "autofocus" not in opened(agent_client, pending.pk)


def test_the_security_log_s_columns_and_filter_are_said_in_french(admin_client, pending):
    """Issue 23, point 10: « AT / ACCOUNT ID / NIR PSEUDONYM / CLIENT ADDRESS » and « Filtrer par at »."""
    opened(admin_client, pending.pk)
    listing = " ".join(visible(text_of(admin_client.get(reverse("admin:audit_auditevent_changelist")))).split())
    assert "Filtrer par heure" in listing
    assert "Heure Événement Numéro de compte Pseudonyme du NIR Adresse IP du client" in listing
    assert not re.search(r"\b(At|Account id|Nir pseudonym|Client address)\b", listing)


def test_the_history_says_the_details_of_a_link_opened_in_words(agent_client, pending):
    """Issue 23, point 10: « état : replaced / expired / valid »."""
    link_opened(token=factories.last_link_token("camille@example.fr"), client=factories.CLIENT, now=NOW)
    page = opened(agent_client, pending.pk)
    history = page[page.index("Historique") :]
    assert "Lien de confirmation ouvert</td><td>état : valable" in history
