"""R-BOT2 in Chromium: someone creates Camille's account with their own address. Camille meets « un compte existe
déjà », which tells her to contact her caisse. At the counter, supervisor A (password + TOTP) checks her identity
and requests the restart; supervisor B (password + TOTP) approves it. The old address receives the notice; Camille
starts again from the identity step in the browser and activates the account with her own address."""

import time

import pytest
from playwright.sync_api import Page, expect

from moncompte.audit.models import AuditEvent
from moncompte.captcha.challenges import challenge_answer
from moncompte.outbox.sink import Received, received
from moncompte.support.roles import Role, staff_create
from tests.e2e.helpers import assert_accessible, wait_for_mail
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
from tests.e2e.test_support_desk import staff_sign_in

pytestmark = pytest.mark.chromium
PIRATE = EMAIL  # the address of whoever created the account with Camille's leaked identity
CAMILLE = "camille.durand@sa-propre-adresse.example"
PASSWORD = "Superviseur-du-guichet-2026"


def notice_to(maildir, address: str, seconds: float = 15) -> Received:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for mail in received(maildir):
            if address in str(mail.message["To"]) and "reprise" in str(mail.message["Subject"]):
                return mail
        time.sleep(0.1)
    raise AssertionError(f"no restart notice for {address}")


def identity_refused(page: Page, live_server) -> str:
    page.goto(live_server.url + "/creer-un-compte/")
    page.get_by_label("Numéro de sécurité sociale").fill(NIR)
    page.get_by_label("Date de naissance").fill("03/05/1984")
    page.get_by_label("Code postal").fill("88100")
    page.get_by_label("Adresse email").fill(CAMILLE)
    challenge_id = page.locator("input[name=captcha_id]").input_value()
    page.get_by_label("Caractères de l'image").fill(challenge_answer(challenge_id=challenge_id))
    page.get_by_role("button", name="Recevoir mon code provisoire").click()
    said = page.get_by_text("Vous avez déjà un compte")
    expect(said).to_be_visible()
    assert_accessible(page)
    return said.inner_text()


def supervisor(page: Page, live_server, username: str) -> None:
    created = staff_create(username=username, password=PASSWORD, role=Role.SUPERVISOR)
    page.context.clear_cookies()
    staff_sign_in(page, live_server, username, PASSWORD, created.authenticator_url)


def open_person(page: Page, live_server, reason: str) -> None:
    page.goto(live_server.url + "/support/personnes/")
    page.get_by_label("Numéro de sécurité sociale").fill(NIR)
    page.get_by_label("Motif de la consultation").fill(reason)
    page.get_by_role("button", name="Rechercher").click()
    expect(page.get_by_role("heading", name="Camille DURAND")).to_be_visible()


def test_two_supervisors_give_the_account_back_and_camille_starts_again(page: Page, live_server, delivering, camille):
    # Someone else creates the account with Camille's identity and their own address.
    sign_in(page, live_server, get_provisional_code(page, live_server, delivering, email=PIRATE))
    choose_personal_code(page)
    give_contact_details(page, PIRATE)
    confirm_link(page, link_of(wait_for_mail(delivering, to=PIRATE, count=2).text))

    page.context.clear_cookies()
    assert "contactez votre caisse" in identity_refused(page, live_server)

    supervisor(page, live_server, "superviseur.a")
    open_person(page, live_server, "Camille DURAND à l'accueil : compte créé à son nom")
    page.get_by_label("J'ai vérifié l'identité de la personne").check()
    page.get_by_label("Pièce d'identité présentée").select_option("carte_identite")
    page.get_by_label("Motif de la reprise").fill(
        "Assurée reçue à l'accueil : compte créé par un tiers avec une autre adresse"
    )
    page.get_by_role("button", name="Demander la reprise").click()
    expect(page.get_by_text("Demande enregistrée")).to_be_visible()
    expect(page.get_by_role("button", name="Valider la reprise de la création")).to_have_count(0)
    assert_accessible(page)

    supervisor(page, live_server, "superviseur.b")
    page.goto(live_server.url + "/support/reprises/")
    assert_accessible(page)
    page.get_by_role("link", name="Compte n°").click()
    page.get_by_label("Motif de la consultation").fill("validation d'une reprise demandée par superviseur.a")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.locator("dd", has_text="Assurée reçue à l'accueil : compte créé par un tiers")).to_be_visible()
    page.get_by_role("button", name="Valider la reprise de la création").click()
    expect(page.get_by_text("Reprise faite")).to_be_visible()
    expect(page.get_by_text("la personne recommence à l'étape « Mon identité »").first).to_be_visible()
    assert_accessible(page)

    notice = notice_to(delivering, PIRATE)
    assert "Si vous ne vous y attendiez pas" in notice.text
    assert "2840588321025" not in notice.text

    page.context.clear_cookies()
    sign_in(page, live_server, PERSONAL_CODE)  # the old personal code no longer opens anything
    expect(page.get_by_text("Le numéro de sécurité sociale ou le code saisi est incorrect.").first).to_be_visible()
    code = get_provisional_code(page, live_server, delivering, email=CAMILLE)
    sign_in(page, live_server, code)
    choose_personal_code(page)
    give_contact_details(page, CAMILLE)
    confirm_link(page, link_of(wait_for_mail(delivering, to=CAMILLE, count=2).text))
    sign_in(page, live_server, PERSONAL_CODE)
    expect(page.get_by_role("heading", name="Mon compte")).to_be_visible()
    expect(page.get_by_text(CAMILLE)).to_be_visible()

    events = list(AuditEvent.objects.order_by("id").values_list("event", flat=True))
    steps = ["support_restart_requested", "support_restart_approved", "provisional_code_sent", "email_confirmed"]
    assert [e for e in events if e in steps][-4:] == steps
