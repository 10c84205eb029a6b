"""The whole seed journey in a real Chromium, mails read from a local SMTP sink, axe-core on every page."""

from datetime import timedelta

import pytest
import time_machine
from playwright.sync_api import Page, expect

from tests.e2e.helpers import assert_accessible, wait_for_mail
from tests.e2e.journey import (
    EMAIL,
    OTHER_EMAIL,
    PERSONAL_CODE,
    choose_personal_code,
    confirm_link,
    get_provisional_code,
    give_contact_details,
    link_of,
    sign_in,
)

pytestmark = pytest.mark.chromium


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
    page.set_viewport_size({"width": 320, "height": 640})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320  # R-A11Y3
    page.set_viewport_size({"width": 1280, "height": 720})
    page.get_by_role("button", name="Retirer mon accord (par SMS)").click()
    expect(page.get_by_text("Votre refus est enregistré.")).to_be_visible()
    page.get_by_role("link", name="Modifier mon adresse email").click()
    expect(page.get_by_role("heading", name="Modifier mon adresse email")).to_be_visible()
    assert_accessible(page)
    page.goto(live_server.url + "/mon-compte/telephones/")
    expect(page.get_by_role("heading", name="Modifier mes numéros de téléphone")).to_be_visible()
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
        page.get_by_label("Je confirme mon adresse email").fill(OTHER_EMAIL)
        page.get_by_role("button", name="Recevoir le lien à cette adresse").click()
        expect(page.get_by_text("Un nouveau lien vient d'être envoyé")).to_be_visible()

        new_link = link_of(wait_for_mail(delivering, to=OTHER_EMAIL).text)
        page.goto(first_link)
        expect(page.get_by_role("heading", name="Ce lien a été remplacé")).to_be_visible()
        confirm_link(page, new_link)
        sign_in(page, live_server, PERSONAL_CODE)
        expect(page.get_by_role("heading", name="Mon compte")).to_be_visible()
        expect(page.get_by_text(OTHER_EMAIL)).to_be_visible()


def test_without_javascript_the_link_shows_a_button_that_confirms_R_EM4(
    page: Page, browser, live_server, delivering, camille
):
    code = get_provisional_code(page, live_server, delivering)
    sign_in(page, live_server, code)
    choose_personal_code(page)
    give_contact_details(page, EMAIL)
    link = link_of(wait_for_mail(delivering, to=EMAIL, count=2).text)
    scriptless = browser.new_context(locale="fr-FR", java_script_enabled=False).new_page()
    scriptless.goto(link)
    expect(scriptless.get_by_role("heading", name="Confirmer mon email")).to_be_visible()
    scriptless.reload()  # opened twice, still nothing confirmed: only the button does it
    expect(scriptless.get_by_role("heading", name="Confirmer mon email")).to_be_visible()
    scriptless.get_by_role("button", name="Confirmer mon email").click()
    expect(scriptless.get_by_role("heading", name="Votre adresse email est confirmée")).to_be_visible()
    scriptless.context.close()
    page.goto(link)  # and again in a browser: already confirmed, nothing posted
    expect(page.get_by_role("heading", name="Votre adresse email est déjà confirmée")).to_be_visible()


def test_a_page_opened_unseen_confirms_only_once_it_is_shown(page: Page, live_server, delivering, camille):
    code = get_provisional_code(page, live_server, delivering)
    sign_in(page, live_server, code)
    choose_personal_code(page)
    give_contact_details(page, EMAIL)
    link = link_of(wait_for_mail(delivering, to=EMAIL, count=2).text)
    page.add_init_script(
        "Object.defineProperty(document, 'visibilityState', {get: () => window.__shown ? 'visible' : 'hidden'});"
    )
    page.goto(link)
    page.wait_for_timeout(500)
    expect(page.get_by_role("heading", name="Confirmer mon email")).to_be_visible()  # prepared, not seen
    assert_accessible(page)
    page.evaluate("window.__shown = true; document.dispatchEvent(new Event('visibilitychange'))")
    expect(page.get_by_role("heading", name="Votre adresse email est confirmée")).to_be_visible()
