"""The personal code's page in a real Chromium, after the server refused a code (R-PW5, R-PW6, R-PW7) and with
its show / hide buttons (R-PW8)."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import assert_accessible
from tests.e2e.journey import PERSONAL_CODE, get_provisional_code, sign_in

pytestmark = pytest.mark.chromium

BIRTH_DATE_LINE = "ne pas contenir votre n° de sécurité sociale"


def test_after_a_birth_date_refusal_the_rule_is_failed_no_gauge_is_shown_and_the_fields_are_empty_R_PW5_R_PW7(
    page: Page, live_server, delivering, camille
):
    sign_in(page, live_server, get_provisional_code(page, live_server, delivering))
    refused = "Camille-03051984"  # every rule met but the birth date's
    page.locator("#id_password").fill(refused)
    expect(page.locator("[data-meter-text]")).to_have_text(re.compile("[Bb]on"))
    page.locator("#id_confirmation").fill(refused)
    page.get_by_role("button", name="Valider mon code personnel").click()

    expect(page.locator("#password-error")).to_contain_text("date de naissance")
    line = page.locator("li", has_text=BIRTH_DATE_LINE)
    expect(line).to_have_class(re.compile("refused"))
    expect(line).to_contain_text("(non respectée)")
    expect(line).not_to_contain_text("vérifié à l'envoi")
    expect(page.locator("#id_password")).to_have_value("")
    expect(page.locator("#id_confirmation")).to_have_value("")
    page.wait_for_load_state("networkidle")  # the word lists are in: the gauge would have been drawn by now
    expect(page.locator("[data-meter]")).to_be_hidden()
    assert_accessible(page)

    page.locator("#id_password").fill(PERSONAL_CODE)  # a new code: the mark was about the refused one
    expect(line).not_to_have_class(re.compile("refused"))
    expect(line).to_contain_text("(vérifié à l'envoi)")
    expect(page.locator("[data-meter]")).to_be_visible()


def test_the_show_buttons_say_masquer_once_the_code_is_shown_and_afficher_again_after_R_PW8(
    page: Page, live_server, camille
):
    page.goto(live_server.url + "/connexion/")
    field = page.get_by_label("Code provisoire ou code personnel")
    field.fill(PERSONAL_CODE)
    page.get_by_role("button", name="Afficher le code").click()
    expect(field).to_have_attribute("type", "text")
    hide = page.get_by_role("button", name="Masquer le code")
    expect(hide).to_be_visible()
    expect(hide).to_be_focused()
    assert_accessible(page)
    hide.click()
    expect(field).to_have_attribute("type", "password")
    expect(page.get_by_role("button", name="Afficher le code")).to_be_visible()
    expect(page.get_by_role("button", name="Masquer le code")).to_have_count(0)
