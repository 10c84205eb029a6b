"""R-A11Y4: the whole first visit with the keyboard alone (Tab, Shift+Tab, Enter, Space, arrows), from the
home page to the account page. No click, no `fill`: every key a person would press."""

import pytest
from playwright.sync_api import Page, expect

from moncompte.captcha.challenges import challenge_answer
from tests.e2e.helpers import wait_for_mail
from tests.e2e.journey import EMAIL, NIR, PERSONAL_CODE, link_of
from tests.helpers import clear_code_of

pytestmark = pytest.mark.chromium

FOCUSED_MATCHES = "(selector) => document.activeElement && document.activeElement.matches(selector)"


def tab_to(page: Page, selector: str, *, backwards: bool = False, presses: int = 60) -> None:
    """Tab (or Shift+Tab) until the focus is on what `selector` matches, as a person moves through a page."""
    for _ in range(presses):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        if page.evaluate(FOCUSED_MATCHES, selector):
            return
    raise AssertionError(f"{page.url}: {presses} presses of Tab never reached {selector}")


def type_into(page: Page, selector: str, text: str, *, backwards: bool = False) -> None:
    tab_to(page, selector, backwards=backwards)
    page.keyboard.type(text)


def assert_focused(page: Page, selector: str) -> None:
    page.wait_for_function(FOCUSED_MATCHES, arg=selector)


def sign_in_by_keyboard(page: Page, link: str, secret: str) -> None:
    tab_to(page, link)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Se connecter")).to_be_visible()
    type_into(page, "#id_nir", NIR)
    type_into(page, "#id_code", secret)
    page.keyboard.press("Enter")


def test_the_whole_first_visit_with_the_keyboard_alone(page: Page, live_server, delivering, camille):
    page.goto(live_server.url)
    tab_to(page, "a[href='/creer-un-compte/']")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Créer mon compte")).to_be_visible()

    # Enter in an empty field submits the main action; the error summary takes the focus, and its first
    # link takes it to the field.
    tab_to(page, "#id_nir")
    page.keyboard.press("Enter")
    assert_focused(page, ".error-summary")
    tab_to(page, ".error-summary a")
    page.keyboard.press("Enter")
    assert_focused(page, "#id_nir")

    page.keyboard.type(NIR)
    type_into(page, "#id_birth_date", "03/05/1984")
    type_into(page, "#id_postal_code", "88100")
    type_into(page, "#id_email", EMAIL)
    tab_to(page, "audio")  # the player's own controls: Space plays the spoken code
    page.keyboard.press("Space")
    page.wait_for_function("() => !document.querySelector('audio').paused || document.querySelector('audio').ended")
    # The person listened: they type the sound's own answer, its numbers in digits (R-CAP5).
    answer = challenge_answer(challenge_id=page.locator("input[name=captcha_id]").input_value(), kind="audio")
    type_into(page, "#id_captcha_answer", answer)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Consultez votre messagerie")).to_be_visible()
    code = clear_code_of(wait_for_mail(delivering, to=EMAIL).text)

    sign_in_by_keyboard(page, "a[href='/connexion/']", code)
    expect(page.get_by_role("heading", name="Choisir mon code personnel")).to_be_visible()

    type_into(page, "#id_password", PERSONAL_CODE)
    type_into(page, "#id_confirmation", PERSONAL_CODE)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Mes coordonnées")).to_be_visible()

    # A failed submit: the summary's link to a Oui/Non question takes the focus to its first radio button.
    tab_to(page, "#id_email")
    page.keyboard.press("Enter")
    assert_focused(page, ".error-summary")
    tab_to(page, ".error-summary a[href='#id_consent_email_0']")
    page.keyboard.press("Enter")
    assert_focused(page, "#id_consent_email_0")
    page.keyboard.press("ArrowDown")  # moves to « Non » and checks it
    expect(page.locator("#id_consent_email_1")).to_be_checked()

    type_into(page, "#id_email", EMAIL, backwards=True)
    type_into(page, "#id_email_confirmation", EMAIL)
    type_into(page, "#id_mobile", "0650564278")
    tab_to(page, "#id_consent_mobile_call_0")
    page.keyboard.press("ArrowDown")
    tab_to(page, "#id_consent_mobile_sms_0")
    page.keyboard.press("Space")
    expect(page.locator("#id_consent_mobile_sms_0")).to_be_checked()
    tab_to(page, "#id_mobile", backwards=True)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="VALIDATION DE MON EMAIL")).to_be_visible()

    page.goto(link_of(wait_for_mail(delivering, to=EMAIL, count=2).text))  # opened from the mailbox: confirmed
    expect(page.get_by_role("heading", name="Votre adresse email est confirmée")).to_be_visible()
    sign_in_by_keyboard(page, "a.button[href='/connexion/']", PERSONAL_CODE)
    expect(page.get_by_role("heading", name="Mon compte")).to_be_visible()
