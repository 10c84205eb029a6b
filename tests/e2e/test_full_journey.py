"""The whole seed journey in a real Chromium, mails read from a local SMTP sink, axe-core on every page."""

import re
from datetime import timedelta

import pytest
import time_machine
from playwright.sync_api import Page, expect

from moncompte.captcha.models import Challenge
from moncompte.registry.models import Beneficiary
from tests.conftest import clear_code_of
from tests.e2e.conftest import assert_accessible, wait_for_mail

pytestmark = pytest.mark.e2e

NIR = "2 84 05 88 321 025 32"
EMAIL = "camille.durand@example.fr"
OTHER_EMAIL = "camille.d@autre-fournisseur.fr"
PERSONAL_CODE = "Vacances-Bretagne-42"


@pytest.fixture
def camille(transactional_db) -> Beneficiary:
    return Beneficiary.objects.create(
        nir="2840588321025",
        last_name="DURAND",
        first_name="Camille",
        birth_date="1984-05-03",
        postal_code="88100",
    )


def link_of(text: str) -> str:
    found = re.search(r"(http://\S+/email/[\w-]+/)", text)
    assert found, text
    return found[1]


def get_provisional_code(page: Page, live_server, maildir) -> str:
    page.goto(live_server.url)
    assert_accessible(page)
    page.get_by_role("link", name="Créer un compte").click()
    assert_accessible(page)
    page.get_by_label("Numéro de sécurité sociale").fill(NIR)
    page.get_by_label("Date de naissance").fill("03/05/1984")
    page.get_by_label("Code postal").fill("88100")
    page.get_by_label("Adresse email").fill(EMAIL)
    challenge = Challenge.objects.get(id=page.locator("input[name=captcha_id]").input_value())
    page.get_by_label("Caractères de l'image").fill(challenge.answer)
    page.get_by_role("button", name="Recevoir mon code provisoire").click()
    expect(page.get_by_role("heading", name="Consultez votre messagerie")).to_be_visible()
    assert_accessible(page)
    return clear_code_of(wait_for_mail(maildir, to=EMAIL).text)


def sign_in(page: Page, live_server, secret: str) -> None:
    page.goto(live_server.url + "/connexion/")
    page.get_by_label("Numéro de sécurité sociale").fill(NIR)
    page.get_by_label("Code provisoire ou code personnel").fill(secret)
    page.get_by_role("button", name="Se connecter").click()


def choose_personal_code(page: Page) -> None:
    expect(page.get_by_role("heading", name="Choisir mon code personnel")).to_be_visible()
    page.locator("#id_password").fill("soleil")
    expect(page.get_by_text("Niveau indicatif de sécurité")).to_be_visible()
    expect(page.locator("[data-meter-text]")).to_have_text("Très faible")
    expect(page.locator("[data-meter-warning]")).to_contain_text("plus utilisés")
    assert_accessible(page)
    page.locator("#id_password").fill(PERSONAL_CODE)
    expect(page.locator("[data-rule=length]")).to_have_class(re.compile("ok"))
    page.locator("#id_confirmation").fill(PERSONAL_CODE)
    page.get_by_role("button", name="Valider mon code personnel").click()


def give_contact_details(page: Page, email: str) -> None:
    expect(page.get_by_role("heading", name="Mes coordonnées")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Saisissez votre adresse email").fill(email)
    page.get_by_label("Confirmez votre adresse email").fill(email)
    page.locator("input[name=consent_email][value=non]").check()
    page.get_by_label("Saisissez votre n° de téléphone portable").fill("06.50.56.42.78")
    page.locator("input[name=consent_mobile_call][value=non]").check()
    page.locator("input[name=consent_mobile_sms][value=oui]").check()
    page.get_by_role("button", name="Valider mes coordonnées").click()
    expect(page.get_by_role("heading", name="VALIDATION DE MON EMAIL")).to_be_visible()
    assert_accessible(page)


def confirm_link(page: Page, link: str) -> None:
    page.goto(link)
    expect(page.get_by_role("heading", name="Confirmer mon email")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Confirmer mon email").click()
    expect(page.get_by_role("heading", name="Votre adresse email est confirmée")).to_be_visible()


def test_from_home_to_the_account_page(page: Page, live_server, delivering, camille):
    code = get_provisional_code(page, live_server, delivering)
    sign_in(page, live_server, code)
    choose_personal_code(page)
    give_contact_details(page, EMAIL)

    mail = wait_for_mail(delivering, to=EMAIL, count=2)
    assert mail.message["Subject"] == "Votre compte ameli - Confirmation de votre adresse mail"
    assert "Confirmer mon email" in mail.html
    confirm_link(page, link_of(mail.text))
    assert_accessible(page)

    sign_in(page, live_server, PERSONAL_CODE)
    expect(page.get_by_role("heading", name="Mon compte")).to_be_visible()
    expect(page.get_by_text(EMAIL)).to_be_visible()
    expect(page.get_by_text("06 50 56 42 78")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Retirer mon accord (par SMS)").click()
    expect(page.get_by_text("Votre refus est enregistré.")).to_be_visible()
    page.get_by_role("link", name="Modifier mon adresse email").click()
    expect(page.get_by_role("heading", name="Modifier mon adresse email")).to_be_visible()
    assert_accessible(page)
    page.goto(live_server.url + "/mon-compte/code/")
    expect(page.get_by_role("heading", name="Modifier mon code personnel")).to_be_visible()
    assert_accessible(page)


def test_past_7_days_the_link_is_resent_to_a_different_address(page: Page, live_server, delivering, camille):
    code = get_provisional_code(page, live_server, delivering)
    sign_in(page, live_server, code)
    choose_personal_code(page)
    give_contact_details(page, EMAIL)
    first_link = link_of(wait_for_mail(delivering, to=EMAIL, count=2).text)

    with time_machine.travel(timedelta(days=7, minutes=1), tick=True):
        page.goto(first_link)
        expect(page.get_by_role("heading", name="Ce lien n'est plus actif")).to_be_visible()
        assert_accessible(page)
        sign_in(page, live_server, PERSONAL_CODE)
        expect(page.get_by_role("heading", name="Le lien n'est plus actif")).to_be_visible()
        assert_accessible(page)
        page.get_by_label("Saisissez votre adresse email").fill(OTHER_EMAIL)
        page.get_by_label("Confirmez votre adresse email").fill(OTHER_EMAIL)
        page.get_by_role("button", name="Recevoir le lien à cette adresse").click()
        expect(page.get_by_text("Un nouveau lien vient d'être envoyé")).to_be_visible()

        new_link = link_of(wait_for_mail(delivering, to=OTHER_EMAIL).text)
        page.goto(first_link)
        expect(page.get_by_role("heading", name="Ce lien a été remplacé")).to_be_visible()
        confirm_link(page, new_link)
        sign_in(page, live_server, PERSONAL_CODE)
        expect(page.get_by_role("heading", name="Mon compte")).to_be_visible()
        expect(page.get_by_text(OTHER_EMAIL)).to_be_visible()
