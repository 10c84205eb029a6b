"""R-CAP6 in Chromium: the page's script proves its work for the challenge shown, and again for the new one
after « Nouveau code anti-robot »; the answer passes only with that proof (no answer without work allowed)."""

import base64
import json
from dataclasses import replace

from playwright.sync_api import Page, expect

from tests.e2e.test_first_visit import captcha_answer, fill_identity


def test_after_a_new_code_the_page_proves_its_work_for_the_new_challenge_R_CAP6(
    page: Page, live_server, delivering, camille, settings
):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, captcha_without_work_per_client=0)
    page.goto(live_server.url + "/creer-un-compte/")
    work = page.locator("input[name=captcha_work]")
    expect(work).not_to_have_value("", timeout=10_000)
    first = work.get_attribute("data-work-challenge")
    fill_identity(page)
    page.get_by_role("button", name="Nouveau code").click()
    expect(work).not_to_have_attribute("data-work-challenge", first or "")
    expect(work).not_to_have_value("", timeout=10_000)
    proof = json.loads(base64.b64decode(work.input_value()))
    renewed = json.loads(work.get_attribute("data-work-challenge") or "{}")
    assert proof["signature"] == renewed["signature"]  # the proof is the new challenge's, not the first one's
    page.get_by_label("Caractères de l'image").fill(captcha_answer(page))
    page.get_by_role("button", name="Recevoir mon code provisoire").click()
    expect(page.get_by_role("heading", name="Consultez votre messagerie")).to_be_visible()
