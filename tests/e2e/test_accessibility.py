"""axe-core and reflow on the pages the journeys do not reach: errors, footer pages, the demo layout, and every
page of the support desk for an agent and for a supervisor (R-A11Y4, issue 23 point 13)."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings as django_settings
from django.test import Client as HttpClient
from django.utils import timezone
from playwright.sync_api import Page, expect

from moncompte.captcha.challenges import challenge_answer
from moncompte.messaging.models import LetterOrigin
from moncompte.messaging.post import LetterText, letter_create
from moncompte.support.roles import Role, staff_create
from moncompte.web.views.journey import INFO_PAGES
from tests import factories
from tests.e2e.helpers import assert_accessible, assert_reflows, wait_for_mail
from tests.e2e.journey import (
    EMAIL,
    NIR,
    PERSONAL_CODE,
    choose_personal_code,
    confirm_link,
    get_provisional_code,
    give_contact_details,
    link_of,
    sign_in,
)
from tests.helpers import code_sent_at, signed_in_with_second_factor

pytestmark = pytest.mark.chromium


def test_forms_showing_errors_are_accessible(page: Page, live_server, camille):
    page.goto(live_server.url + "/creer-un-compte/")
    page.get_by_role("button", name="Recevoir mon code provisoire").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page)

    page.goto(live_server.url + "/connexion/")
    page.get_by_label("Numéro de sécurité sociale").fill("2840588321")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page)

    page.goto(live_server.url + "/code-oublie/")
    assert_accessible(page)
    page.get_by_label("Numéro de sécurité sociale").fill(NIR)
    page.get_by_label("Date de naissance").fill("03/05/1984")
    page.get_by_role("button", name="Recevoir un code provisoire").click()
    expect(page.locator(".error-summary")).to_contain_text("Recopiez les caractères")
    assert_accessible(page)


def test_account_pages_and_the_forgotten_window_are_accessible(page: Page, live_server, delivering, camille):
    code = get_provisional_code(page, live_server, delivering)
    sign_in(page, live_server, code)
    choose_personal_code(page)
    give_contact_details(page, "camille@example.fr")
    with time_machine.travel(timedelta(days=21, minutes=1), tick=True):
        sign_in(page, live_server, PERSONAL_CODE)
        expect(page.get_by_role("heading", name="Saisir une adresse email valide")).to_be_visible()
        assert_accessible(page)
        page.get_by_role("button", name="Recevoir le lien à cette adresse").click()
        expect(page.locator(".error-summary")).to_be_visible()
        assert_accessible(page)


def test_the_footer_pages_are_accessible(page: Page, live_server):
    for name in INFO_PAGES:
        page.goto(f"{live_server.url}/informations/{name}/")
        assert_accessible(page)


def test_error_pages_are_accessible(page: Page, live_server, settings, transactional_db):
    settings.ROOT_URLCONF = "tests.security.errors_urls"  # adds /panne/, a page that fails like a bug
    pages = {"/nulle-part/": 404, "/captcha/nouveau/": 405, "/panne/": 500}
    for path, status in pages.items():
        response = page.goto(live_server.url + path)
        assert response is not None
        assert response.status == status
        assert_accessible(page)

    # 400: a request no browser sends, rendered by the real handler and shown in the site's origin.
    bad = HttpClient(raise_request_exception=False).post(
        "/connexion/", "nir=\u00e9", content_type="application/x-www-form-urlencoded; charset=utf-16"
    )
    page.route(
        live_server.url + "/requete-invalide/",
        lambda route: route.fulfill(status=bad.status_code, body=bad.content, content_type="text/html; charset=utf-8"),
    )
    page.goto(live_server.url + "/requete-invalide/")
    assert_accessible(page)

    # 403: the form's anti-forgery cookie is gone (an old tab, cookies cleared).
    page.goto(live_server.url + "/connexion/")
    page.context.clear_cookies()
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.title()
    assert_accessible(page)


def test_the_demo_layout_and_its_mailbox_are_accessible(page: Page, live_server, delivering, camille, settings):
    settings.DEMO = True
    settings.VAR_DIR = delivering.parent  # the demo mailbox reads the SMTP sink's Maildir
    get_provisional_code(page, live_server, delivering)  # axe on the home, identity and code-sent pages
    page.get_by_role("banner").get_by_role("link", name="boîte mail locale").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("Votre code provisoire")).first.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)


def test_the_reflow_check_catches_a_page_wider_than_320_px(page: Page):
    page.set_content(
        '<html lang="fr"><body><p>adressesanscoupuretreslongue@fournisseurdemessagerie.example.fr</p></body></html>'
    )
    with pytest.raises(AssertionError, match="at 320 px"):
        assert_reflows(page)


def test_signed_in_forms_with_errors_the_sign_out_message_and_code_forgot_sent(
    page: Page, live_server, delivering, camille
):
    code = get_provisional_code(page, live_server, delivering)
    sign_in(page, live_server, code)
    choose_personal_code(page)
    give_contact_details(page, EMAIL)
    confirm_link(page, link_of(wait_for_mail(delivering, to=EMAIL, count=2).text))
    sign_in(page, live_server, PERSONAL_CODE)
    for path, button in (("/mon-compte/code/", "Modifier mon code"), ("/mon-compte/email/", "Recevoir le lien")):
        page.goto(live_server.url + path)
        page.get_by_role("button", name=button).click()
        expect(page.locator(".error-summary")).to_be_focused()
        assert_accessible(page)
    page.goto(live_server.url + "/mon-compte/")
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_text("Vous êtes déconnecté")).to_be_visible()
    assert_accessible(page)

    page.goto(live_server.url + "/connexion/")
    assert_accessible(page)
    page.goto(live_server.url + "/code-oublie/")
    page.get_by_label("Numéro de sécurité sociale").fill(NIR)
    page.get_by_label("Date de naissance").fill("03/05/1984")
    challenge_id = page.locator("input[name=captcha_id]").input_value()
    page.get_by_label("Caractères de l'image").fill(challenge_answer(challenge_id=challenge_id))
    page.get_by_role("button", name="Recevoir un code provisoire").last.click()
    expect(page).to_have_url(live_server.url + "/code-oublie/envoye/")
    assert_accessible(page)


def test_the_pages_telling_of_a_refused_address_are_accessible(page: Page, live_server, delivering, camille):
    from moncompte.accounts.bounces import bounce_receive, envelope_recipients
    from moncompte.outbox.models import OutboundEmail
    from tests.accounts.test_bounces import sample

    code = get_provisional_code(page, live_server, delivering)
    sign_in(page, live_server, code)
    choose_personal_code(page)
    give_contact_details(page, EMAIL)
    wait_for_mail(delivering, to=EMAIL, count=2)
    email = OutboundEmail.objects.filter(template="email_confirmation").latest("id")
    raw = sample("gmail_hard", email)
    bounce_receive(raw=raw, recipients=envelope_recipients(raw), now=email.created_at)
    sign_in(page, live_server, PERSONAL_CODE)
    expect(page.get_by_role("alert")).to_contain_text("Votre messagerie a refusé notre courriel")
    assert_accessible(page)


DESK_REASON = "appel de l'assurée, lien non reçu"


def desk_signed_in(page: Page, live_server, role: Role) -> HttpClient:
    """A staff member of `role` signed in with the second factor (R-SUP1), in the browser and in a test client
    sharing its session."""
    user = staff_create(username=f"{role.value}.martin", password="Support-du-guichet-2026", role=role).user
    client: HttpClient = signed_in_with_second_factor(HttpClient(), user)
    session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
    return client


def test_every_desk_page_of_an_agent_is_accessible_and_offers_only_what_an_agent_can_use(
    page: Page, live_server, beneficiary, client_info
):
    # At the live server's time (the real clock): a journey of the tests' fixed date would be months old there,
    # its address forgotten and nothing left for the desk to resend.
    journey = code_sent_at(beneficiary, client_info, timezone.now())
    account = factories.with_link_sent(journey, journey.at, "camille@hotmail.fr").account
    client = desk_signed_in(page, live_server, Role.AGENT)
    client.post("/support/personnes/", {"q": str(account.pk), "motif": DESK_REASON})
    for path in ("/support/", "/support/personnes/", "/support/mode-attaque/", "/support/password_change/"):
        page.goto(live_server.url + path)
        expect(page.get_by_role("navigation", name="Pages du guichet").get_by_role("link")).to_have_text(
            ["Rechercher une personne", "Mode attaque"]
        )
        expect(page.get_by_text("permission de voir ou de modifier")).to_have_count(0)
        assert_accessible(page)
    page.goto(f"{live_server.url}/support/personnes/{account.pk}/")
    page.locator("#reason-resend").fill("vu")  # too short: refused, the reason stays typed
    page.get_by_role("button", name="Renvoyer le lien").click()
    expect(page.get_by_role("alert")).to_contain_text("motif")
    expect(page.locator("#reason-resend")).to_have_value("vu")
    assert_accessible(page)
    page.get_by_role("button", name="Déconnexion").click()
    expect(page.get_by_text("Vous êtes déconnecté du support.")).to_be_visible()
    assert_accessible(page)
    page.goto(live_server.url + "/support/login/")
    page.locator("#id_username").fill("agent.martin")
    page.locator("#id_password").fill("pas-le-bon-mot-de-passe")
    page.locator("#id_otp_token").fill("123456")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("alert")).to_contain_text("Connexion refusée")
    assert_accessible(page)


def test_every_desk_page_of_a_supervisor_is_accessible(page: Page, live_server, code_sent, now):
    account = factories.with_link_sent(code_sent, now).account
    client = desk_signed_in(page, live_server, Role.SUPERVISOR)
    client.post("/support/personnes/", {"q": str(account.pk), "motif": DESK_REASON})
    client.post("/support/mode-attaque/", {"action": "activer", "reason": DESK_REASON})
    restart = {"identity_checked": "oui", "document": "passeport", "reason": "pièce d'identité vue au guichet ce jour"}
    client.post(f"/support/personnes/{account.pk}/reprise/", restart)
    pages = ["/support/", f"/support/personnes/{account.pk}/", "/support/mode-attaque/", "/support/agents/nouveau/"]
    pages += ["/support/reprises/", "/support/entonnoir/", "/support/campagnes/", "/support/audit/auditevent/"]
    letter = LetterText("Votre bilan de prévention", "Prenez rendez-vous.", "CPAM des Vosges")
    letter_create(letter, origin=LetterOrigin.CAMPAIGN, now=now, campaign="campagne-a11y")  # a row in its table
    for path in pages:
        page.goto(live_server.url + path)
        expect(page.get_by_role("navigation", name="Pages du guichet")).to_contain_text("Créer un agent")
        assert_accessible(page)
    page.locator("#result_list tbody a").first.click()
    expect(page.get_by_role("heading", level=2)).to_contain_text(" — ")  # the event: its time and its words
    assert_accessible(page)


def test_the_api_s_documentation_page_is_accessible_closed_and_open(page: Page, live_server, transactional_db):
    page.goto(live_server.url + "/api/v1/docs")
    operations = page.locator(".opblock-summary-control")
    expect(operations.first).to_be_visible()  # drawn by Swagger UI from the document
    assert_accessible(page)
    operations.first.click()  # POST /api/v1/captcha: its answers and their examples
    operations.filter(has_text="/api/v1/enrollment/identity").click()  # a request body and its examples
    expect(page.get_by_role("combobox", name="Exemple").first).to_be_visible()
    assert_accessible(page)


SWAGGER_UI_ENGLISH = (
    "Try it out",
    "Execute",
    "Cancel",
    "Parameters",
    "Request body",
    "Responses",
    "Example Value",
    "Schema",
    "Authorize",
    "Server response",
    "Response body",
    "Request URL",
    "Media type",
)


def test_the_api_s_documentation_page_says_its_controls_in_french_R_A11Y4(page: Page, live_server, transactional_db):
    """Issue 23: Swagger UI knows its buttons and headings only in English; the page says them in French, as the
    rest of the site (a refused request tried from the page included)."""
    page.goto(live_server.url + "/api/v1/docs")
    page.locator(".opblock-summary-control").filter(has_text="/api/v1/enrollment/identity").click()
    page.get_by_role("button", name="Essayer").click()
    page.get_by_role("button", name="Exécuter").click()
    expect(page.get_by_text("Réponse du serveur")).to_be_visible()
    expect(page.get_by_role("button", name="S'authentifier", exact=True)).to_be_visible()
    shown = page.locator("#swagger-ui").inner_text()
    assert [word for word in SWAGGER_UI_ENGLISH if re.search(rf"\b{word}\b", shown)] == []
    assert_accessible(page)
