"""Steps of the journey in the browser, shared by the end-to-end tests."""

import re

from playwright.sync_api import Page, expect

from moncompte.captcha.challenges import challenge_answer
from tests.e2e.helpers import assert_accessible, wait_for_mail
from tests.helpers import clear_code_of

NIR = "2 84 05 88 321 025 32"
# Long on purpose: pages showing it must still reflow at 320 px (R-A11Y3).
EMAIL = "camille.marie-therese.durand-delafontaine@messagerie-professionnelle.example.fr"
OTHER_EMAIL = "camille.d@autre-fournisseur.fr"
PERSONAL_CODE = "Vacances-Bretagne-42"


def link_of(text: str) -> str:
    found = re.search(r"(http://\S+/email/[\w-]+/)", text)
    assert found, text
    return found[1]


def get_provisional_code(page: Page, live_server, maildir, email: str = EMAIL) -> str:
    page.goto(live_server.url)
    assert_accessible(page)
    page.get_by_role("link", name="Créer un compte").click()
    assert_accessible(page)
    page.get_by_label("Numéro de sécurité sociale").fill(NIR)
    page.get_by_label("Date de naissance").fill("03/05/1984")
    page.get_by_label("Code postal").fill("88100")
    page.get_by_label("Adresse email").fill(email)
    challenge_id = page.locator("input[name=captcha_id]").input_value()
    page.get_by_label("Caractères de l'image").fill(challenge_answer(challenge_id=challenge_id))
    page.get_by_role("button", name="Recevoir mon code provisoire").click()
    expect(page.get_by_role("heading", name="Consultez votre messagerie")).to_be_visible()
    assert_accessible(page)
    return clear_code_of(wait_for_mail(maildir, to=email).text)


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
    page.get_by_label("Je confirme mon adresse email").fill(email)
    page.locator("input[name=consent_email][value=non]").check()
    page.get_by_label("Saisissez votre n° de téléphone portable").fill("06.50.56.42.78")
    page.locator("input[name=consent_mobile_call][value=non]").check()
    page.locator("input[name=consent_mobile_sms][value=oui]").check()
    page.get_by_role("button", name="Valider mes coordonnées").click()
    expect(page.get_by_role("heading", name="VALIDATION DE MON EMAIL")).to_be_visible()
    assert_accessible(page)


def confirm_link(page: Page, link: str) -> None:
    """Opening the link is enough in a browser (issue 23): the page confirms by itself once shown."""
    page.goto(link)
    expect(page.get_by_role("heading", name="Votre adresse email est confirmée")).to_be_visible()
