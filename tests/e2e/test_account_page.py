"""« Mon compte » in Chromium at 320 px (R-A11Y3, issue 23): the consents, one line per way of contact, reflow
without cutting a word, and the page stays accessible (R-A11Y4)."""

import pytest
from playwright.sync_api import Page, expect

from moncompte.enrollment.contact_submit import contact_submit
from moncompte.enrollment.email_links import email_confirm
from tests import factories
from tests.e2e.helpers import assert_accessible, assert_words_whole
from tests.e2e.journey import PERSONAL_CODE, sign_in
from tests.factories import CLIENT, last_link_token

pytestmark = pytest.mark.chromium


def test_the_consents_reflow_at_320_px_without_cutting_a_word_R_A11Y3(
    page: Page, live_server, transactional_db, code_sent, now
):
    journey = factories.with_personal_code(code_sent, now)
    both_phones = factories.details(mobile="+33650564278", landline="+33329123456", yes=("email", "mobile_sms"))
    contact_submit(account_id=journey.account.pk, details=both_phones, client=CLIENT, now=now)
    email_confirm(token=last_link_token("camille@example.fr"), client=CLIENT, now=now)
    sign_in(page, live_server, PERSONAL_CODE)
    expect(page.get_by_role("heading", name="Informations promotionnelles")).to_be_visible()
    expect(page.get_by_role("button", name="Donner mon accord (par téléphone (fixe))")).to_be_visible()
    assert_words_whole(page, "section[aria-labelledby=consents]")
    assert_accessible(page)


def test_the_word_check_sees_a_word_cut_in_a_narrow_column(page: Page, live_server, transactional_db):
    page.goto(live_server.url + "/")
    # Styled through the DOM: the site's CSP refuses inline style attributes (R-SEC2).
    page.evaluate(
        """() => {
            const narrow = document.createElement("p");
            narrow.id = "narrow";
            narrow.textContent = "anticonstitutionnellement";
            narrow.style.width = "3rem";
            narrow.style.overflowWrap = "anywhere";
            document.querySelector("main").append(narrow);
        }"""
    )
    with pytest.raises(AssertionError, match="words cut at 320 px"):
        assert_words_whole(page, "#narrow")
