"""R-A11Y5 (WCAG 2.2.1): time limits warn before they end; one action extends them and nothing typed is lost."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import assert_accessible
from tests.e2e.journey import NIR, PERSONAL_CODE, get_provisional_code, sign_in

pytestmark = pytest.mark.chromium


def test_the_session_warns_5_minutes_before_its_end_and_is_extended_keeping_the_typed_code(
    page: Page, live_server, delivering, camille
):
    code = get_provisional_code(page, live_server, delivering)
    page.clock.install()
    sign_in(page, live_server, code)
    password = page.locator("#id_password")
    password.fill(PERSONAL_CODE)

    page.wait_for_load_state("load")  # the page's script has set its timers
    page.clock.fast_forward("25:05")
    dialog = page.get_by_role("dialog", name="Votre session va bientôt se terminer")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Prolonger de 20 minutes")).to_be_focused()
    assert_accessible(page)
    page.keyboard.press("Enter")

    expect(dialog).to_be_hidden()
    expect(password).to_be_focused()
    expect(password).to_have_value(PERSONAL_CODE)
    expect(page.locator("[data-time-limit-status]")).to_contain_text("Votre session est prolongée jusqu'à")

    page.clock.fast_forward("15:05")  # 5 minutes before the new end: warned again; Escape extends too
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(password).to_have_value(PERSONAL_CODE)


def test_at_the_end_of_the_session_the_warning_says_how_to_go_on(page: Page, live_server, delivering, camille):
    code = get_provisional_code(page, live_server, delivering)
    page.clock.install()
    sign_in(page, live_server, code)
    expect(page.get_by_role("heading", name="Choisir mon code personnel")).to_be_visible()
    page.wait_for_load_state("load")
    page.clock.fast_forward("30:05")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Votre connexion avec le code provisoire est terminée")
    link = dialog.get_by_role("link", name="Me connecter à nouveau")
    expect(link).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Se connecter")).to_be_visible()


def test_the_captcha_warns_a_minute_before_it_expires_and_a_new_one_keeps_the_fields(page: Page, live_server, camille):
    page.clock.install()
    page.goto(live_server.url + "/creer-un-compte/")
    page.get_by_label("Numéro de sécurité sociale").fill(NIR)
    page.get_by_label("Code postal").fill("88100")
    first = page.locator("input[name=captcha_id]").input_value()
    page.wait_for_load_state("load")

    page.clock.fast_forward("04:05")
    dialog = page.get_by_role("dialog", name="Le code anti-robot va expirer")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Obtenir un nouveau code anti-robot")).to_be_focused()
    assert_accessible(page)
    page.keyboard.press("Enter")

    expect(dialog).to_be_hidden()
    expect(page.locator("input[name=captcha_id]")).not_to_have_value(first)
    expect(page.get_by_label("Code postal")).to_be_focused()
    expect(page.get_by_label("Numéro de sécurité sociale")).to_have_value(NIR)
    second = page.locator("input[name=captcha_id]").input_value()

    page.clock.fast_forward("04:05")  # the new code has its own 5 minutes
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("input[name=captcha_id]")).not_to_have_value(second)
    expect(page.get_by_label("Code postal")).to_have_value("88100")
