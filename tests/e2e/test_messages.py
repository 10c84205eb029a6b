"""« Ma messagerie » in Chromium (R-MSG3, R-MSG4, R-A11Y4): the unread count, reading, deleting, by keyboard,
axe and 320 px on each page of the box."""

import pytest
from playwright.sync_api import Page, expect

from moncompte.accounts.models import Account
from moncompte.registry.models import Beneficiary
from tests import factories
from tests.e2e.helpers import assert_accessible
from tests.e2e.journey import PERSONAL_CODE, sign_in
from tests.messaging.helpers import post

pytestmark = pytest.mark.chromium
LONG_BODY = (  # a long address must wrap at 320 px
    "Bonjour,\nvotre attestation est disponible : "
    "https://www.ameli-exemple.fr/un/tres/long/chemin/vers/le/document/attestation-de-droits.pdf"
)


def test_the_box_reads_and_deletes_messages_by_keyboard_and_is_accessible_R_MSG3_R_MSG4(
    page: Page, live_server, transactional_db, code_sent, now
):
    account = factories.active(code_sent, now).account
    post(account.pk, now, subject="Votre attestation de droits", body=LONG_BODY)
    post(account.pk, now, subject="Information sur la vaccination")
    sign_in(page, live_server, PERSONAL_CODE)
    expect(page.get_by_role("link", name="Ma messagerie (2 non lus)")).to_be_visible()
    page.get_by_role("link", name="Ma messagerie (2 non lus)").click()
    expect(page.get_by_role("heading", name="Ma messagerie")).to_be_visible()
    expect(page.get_by_text("Vous avez 2 messages non lus.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Votre attestation de droits (non lu)").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Votre attestation de droits")).to_be_visible()
    expect(page.get_by_text("(site extérieur : www.ameli-exemple.fr)")).to_be_visible()
    expect(page.get_by_role("link", name="Ma messagerie (1 non lu)")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Supprimer ce message").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Supprimer ce message ?")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Supprimer le message").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Le message est supprimé.")
    expect(page.get_by_role("link", name="Information sur la vaccination (non lu)")).to_be_visible()
    expect(page.get_by_role("link", name="Votre attestation de droits")).to_have_count(0)


def test_the_one_click_unsubscribe_page_is_accessible_R_MSG7_R_A11Y4(page: Page, live_server, transactional_db, now):
    from moncompte.messaging.unsubscribe import unsubscribe_token

    beneficiary = Beneficiary.objects.create(
        nir="2840588321025", last_name="DURAND", first_name="Camille", birth_date="1984-05-03", postal_code="88100"
    )
    account = Account.objects.create(beneficiary=beneficiary, state="active", created_at=now, code_email="c@example.fr")
    page.goto(f"{live_server.url}/desabonnement/{unsubscribe_token(account_id=account.pk)}/")
    assert_accessible(page)
    page.get_by_role("button", name="Ne plus recevoir d'informations promotionnelles par email").click()
    expect(page.get_by_role("status")).to_contain_text("C'est fait")
    assert_accessible(page)
    page.goto(f"{live_server.url}/desabonnement/faux/")
    expect(page.get_by_role("alert")).to_contain_text("n'est pas valable")
    assert_accessible(page)
