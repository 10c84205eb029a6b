"""axe-core on the pages the journeys do not reach, including pages showing errors (R-A11Y1..3)."""

from datetime import timedelta

import pytest
import time_machine
from playwright.sync_api import Page, expect

from tests.e2e.helpers import assert_accessible
from tests.e2e.journey import (
    NIR,
    PERSONAL_CODE,
    choose_personal_code,
    get_provisional_code,
    give_contact_details,
    sign_in,
)

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
