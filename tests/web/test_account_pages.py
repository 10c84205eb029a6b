import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from moncompte.accounts.models import Account, EmailAddress
from moncompte.accounts.states import AccountState
from moncompte.core import tokens
from moncompte.enrollment.email_links import pending_emails_forget
from moncompte.outbox.models import OutboundEmail
from moncompte.registry.models import Beneficiary
from tests import factories
from tests.factories import PERSONAL_CODE, last_link_token
from tests.helpers import clear_code_of, shown_challenge

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("traveller")]
NIR = "2 84 05 88 321 025 32"


def captcha_id_in(response) -> str:
    found = re.search(r'name="captcha_id" value="([^"]+)"', response.content.decode())
    assert found
    return found[1]


def sign_in(client, secret):
    return client.post(reverse("web:sign_in"), {"nir": NIR, "code": secret})


def restricted(client, code_sent):
    sign_in(client, code_sent.clear)


def test_the_personal_code_field_allows_paste_and_password_managers_R_PW8(client, code_sent):
    restricted(client, code_sent)
    page = client.get(reverse("web:choose_password")).content.decode()
    assert page.count('autocomplete="new-password"') == 2
    assert "onpaste" not in page
    assert 'data-toggle-password="id_password"' in page
    assert "Niveau indicatif de sécurité" in page


def test_each_refused_rule_is_shown_next_to_the_field_and_in_the_checklist_R_PW6(client, code_sent):
    restricted(client, code_sent)
    page = client.post(reverse("web:choose_password"), {"password": "abcé", "confirmation": "x"}).content.decode()
    assert "entre 8 et 50 caractères (il en a 4)" in page
    assert "Le caractère « é » n&#x27;est pas autorisé" in page
    assert "au moins une minuscule et une majuscule" in page
    assert "La confirmation ne correspond pas" in page
    refused_line = r'<li data-rule="length" class="refused">[^<]*<span class="rule-state" data-rule-state> \(non'
    assert re.search(refused_line, page)
    assert '<li data-rule="common">' in page  # a rule the code met: not marked


def test_a_refused_code_is_never_written_back_into_the_page_R_PW6(client, code_sent):
    restricted(client, code_sent)
    secret = "Camille-03051984"  # everything right but the birth date (R-PW5)
    page = client.post(reverse("web:choose_password"), {"password": secret, "confirmation": secret}).content.decode()
    assert "date de naissance" in page
    assert secret not in page
    assert page.count('type="password"') == 2
    assert 'name="password" value=' not in page
    assert 'name="confirmation" value=' not in page


def test_the_birth_date_rule_refused_by_the_server_is_marked_failed_not_checked_on_sending_R_PW5(client, code_sent):
    restricted(client, code_sent)
    page = client.get(reverse("web:choose_password")).content.decode()
    assert "(vérifié à l&#x27;envoi)" in page or "(vérifié à l'envoi)" in page
    secret = "Camille-03051984"
    page = client.post(reverse("web:choose_password"), {"password": secret, "confirmation": secret}).content.decode()
    line = re.search(r'<li class="refused">ne pas contenir votre n° de sécurité sociale.*?</li>', page)
    assert line, page
    assert "(non respectée)" in line[0]
    assert "vérifié à l" not in line[0]


def test_after_the_personal_code_comes_the_contact_step(client, code_sent):
    restricted(client, code_sent)
    response = client.post(reverse("web:choose_password"), {"password": PERSONAL_CODE, "confirmation": PERSONAL_CODE})
    assert response["Location"] == reverse("web:contact")
    page = client.get(reverse("web:contact")).content.decode()
    assert "Saisissez votre adresse email" in page
    assert 'type="radio" name="consent_email" value="oui"' in page
    assert "checked" not in page  # R-CT4: nothing pre-selected


def contact_form(client, code_sent, **data):
    restricted(client, code_sent)
    client.post(reverse("web:choose_password"), {"password": PERSONAL_CODE, "confirmation": PERSONAL_CODE})
    base = {"email": "camille@example.fr", "email_confirmation": "camille@example.fr", "consent_email": "non"}
    return client.post(reverse("web:contact"), {**base, **data})


def test_contact_errors_are_explained_and_typing_kept_R_CT1_R_CT3(client, code_sent):
    page = contact_form(
        client, code_sent, email_confirmation="camile@example.fr", mobile="01 45 37 59 45", consent_email=""
    ).content.decode()
    assert "Les deux adresses email ne sont pas identiques." in page
    assert "n&#x27;est pas un numéro de portable" in page
    assert "Répondez par oui ou par non." in page
    assert 'value="01 45 37 59 45"' in page


def test_a_consent_question_about_a_given_number_must_be_answered_R_CT4(client, code_sent):
    page = contact_form(client, code_sent, mobile="06 50 56 42 78").content.decode()
    assert page.count("Répondez par oui ou par non.") >= 2


def test_after_contact_details_the_person_is_signed_out_and_told_to_open_the_link_R_EM1(client, code_sent):
    response = contact_form(client, code_sent)
    assert response["Location"] == reverse("web:email_validation")
    assert "account_id" not in client.session
    page = client.get(response["Location"]).content.decode()
    assert "VALIDATION DE MON EMAIL" in page
    assert "Pour finaliser la création de votre compte, merci de cliquer sur le lien reçu par email" in page
    assert "c•••••e@example.fr" in page
    assert "courriels indésirables" in page


def test_an_address_of_another_account_is_refused_on_the_form_R_CT2(client, code_sent, now):
    other = Beneficiary.objects.create(
        nir="1850575056048", last_name="M", first_name="V", birth_date="1985-05-12", postal_code="75011"
    )
    account = Account.objects.create(beneficiary=other, created_at=now, code_email="v@x.fr")
    EmailAddress.objects.create(
        account=account, address="camille@example.fr", canonical="camille@example.fr", created_at=now
    )
    page = contact_form(client, code_sent).content.decode()
    error = re.search(r'<p class="error" id="email-error">(.*?)</p>', page, re.S)
    assert error  # next to the field, linked from the summary
    assert "déjà utilisée par un autre compte" in error[1]
    assert 'href="#id_email"' in page


@pytest.mark.parametrize("method", ["get", "head"])
def test_opening_a_link_changes_nothing_R_EM4(client, code_sent, now, method):
    journey = factories.with_link_sent(code_sent, now)
    url = reverse("web:email_link", args=[last_link_token("camille@example.fr")])
    response = getattr(client, method)(url)
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "no-referrer"
    assert journey.refresh().state == AccountState.EMAIL_PENDING
    if method == "get":
        assert "Confirmer mon email" in response.content.decode()


def test_the_button_confirms_and_a_second_click_says_already_confirmed_R_EM4(client, code_sent, now):
    journey = factories.with_link_sent(code_sent, now)
    url = reverse("web:email_link", args=[last_link_token("camille@example.fr")])
    assert "Votre adresse email est confirmée" in client.post(url, {"action": "confirm"}).content.decode()
    assert journey.refresh().state == AccountState.ACTIVE
    assert "déjà confirmée" in client.post(url, {"action": "confirm"}).content.decode()


def change_email(client, code_sent, now, address="vincent.nouveau@exemple.org"):
    factories.active(code_sent, now)
    sign_in(client, PERSONAL_CODE)
    asked = {"email": address, "email_confirmation": address, "current_password": PERSONAL_CODE}
    assert client.post(reverse("web:email_change"), asked)["Location"] == reverse("web:account")
    return address


def test_confirming_a_changed_address_says_it_now_receives_the_mail_not_that_the_account_is_ready(
    client, code_sent, now
):
    address = change_email(client, code_sent, now)
    url = reverse("web:email_link", args=[last_link_token(address)])
    page = client.post(url, {"action": "confirm"}).content.decode()
    assert "Votre nouvelle adresse email est confirmée" in page
    assert tokens.mask_email(address) in page
    assert "C'est désormais à cette adresse que vous recevrez" in page
    assert "votre compte est prêt" not in page
    assert "Se connecter" not in page  # still signed in on this browser: back to « Mon compte »
    assert reverse("web:account") in page


def test_the_signed_in_owner_sees_the_pending_address_in_full_to_spot_a_typo_R_EM1(client, code_sent, now):
    address = change_email(client, code_sent, now)
    page = client.get(reverse("web:account")).content.decode()
    assert f"Nouvelle adresse en attente de confirmation : <strong>{address}</strong>" in page
    assert "camille@example.fr" in page  # the current one, in full as before
    signed_out = Client()  # the link's page is reached without signing in: masked there (R-EM1)
    link_page = signed_out.get(reverse("web:email_link", args=[last_link_token(address)])).content.decode()
    assert address not in link_page
    assert tokens.mask_email(address) in link_page


def test_confirming_the_first_address_says_the_account_is_ready_R_EM4(client, code_sent, now):
    factories.with_link_sent(code_sent, now)
    url = reverse("web:email_link", args=[last_link_token("camille@example.fr")])
    page = client.post(url, {"action": "confirm"}).content.decode()
    assert "Merci : votre compte est prêt." in page
    assert "nouvelle adresse" not in page


def test_a_forgotten_link_asks_to_sign_in_for_a_valid_email_R_EM7(client, code_sent, now):
    factories.with_link_sent(code_sent, now)
    token = last_link_token("camille@example.fr")
    pending_emails_forget(now=now + timedelta(days=21, seconds=1))  # the address and its links are erased
    page = client.get(reverse("web:email_link", args=[token])).content.decode()
    assert "Ce lien n'est plus valable" in page
    assert "n'est plus mémorisée" in page


@pytest.mark.parametrize("cut", [1, 8, 20])
def test_a_cut_or_mistyped_link_says_so_not_that_the_address_was_forgotten_R_EM7_R_LIM4(client, code_sent, now, cut):
    factories.with_link_sent(code_sent, now)
    token = last_link_token("camille@example.fr")
    mistyped = token[:-1] + ("A" if token[-1] != "A" else "B")
    for wrong in (token[:-cut], mistyped, "x" * 43):
        page = client.get(reverse("web:email_link", args=[wrong])).content.decode()
        assert "Ce lien est incomplet ou erroné" in page
        assert "Copiez le lien en entier" in page
        assert "plus mémorisée" not in page
    # R-LIM4: the same page whether an account exists or not (no account is read to answer it).
    anyone = client.get(reverse("web:email_link", args=["y" * 51])).content.decode()
    assert anyone == client.get(reverse("web:email_link", args=[token[:-cut]])).content.decode()


@pytest.mark.parametrize(
    ("age", "heading"),
    [
        (timedelta(days=7) - timedelta(seconds=1), "VALIDATION DE MON EMAIL"),
        (timedelta(days=7, seconds=1), "Le lien n'est plus actif"),
        (timedelta(days=21, seconds=1), "Saisir une adresse email valide"),
    ],
)
def test_signing_in_with_an_unconfirmed_email_shows_the_page_of_the_window_R_EM8(
    client, code_sent, now, traveller, age, heading
):
    factories.with_link_sent(code_sent, now)
    traveller.shift(age)
    response = sign_in(client, PERSONAL_CODE)
    assert response["Location"] == reverse("web:email_pending")
    assert heading in client.get(response["Location"]).content.decode()
    assert client.get(reverse("web:account"))["Location"] == reverse("web:email_pending")


def test_the_account_page_needs_a_confirmed_email_and_a_sign_in_R_SEC1(client, code_sent, now):
    assert client.get(reverse("web:account"))["Location"] == reverse("web:sign_in")
    factories.active(code_sent, now)
    assert sign_in(client, PERSONAL_CODE)["Location"] == reverse("web:account")
    page = client.get(reverse("web:account")).content.decode()
    assert "Camille DURAND" in page
    assert "camille@example.fr" in page
    assert client.get(reverse("web:contact"))["Location"] == reverse("web:account")


def test_withdrawing_a_consent_is_one_click_R_CT5(client, code_sent, now):
    factories.active(code_sent, now)
    sign_in(client, PERSONAL_CODE)
    client.post(reverse("web:consent"), {"channel": "email", "granted": "oui"})
    assert "Retirer mon accord (par email)" in client.get(reverse("web:account")).content.decode()
    client.post(reverse("web:consent"), {"channel": "email", "granted": "non"})
    assert "Donner mon accord (par email)" in client.get(reverse("web:account")).content.decode()


def test_code_oublie_gives_the_same_answer_and_leads_to_a_new_personal_code_R_CODE5(client, code_sent, now):
    factories.active(code_sent, now)
    challenge = shown_challenge(captcha_id_in(client.get(reverse("web:code_forgot"))))
    response = client.post(
        reverse("web:code_forgot"),
        {"nir": NIR, "birth_date": "03/05/1984", "captcha_id": challenge.id, "captcha_answer": challenge.answer},
    )
    assert response["Location"] == reverse("web:code_forgot_sent")
    code = clear_code_of(OutboundEmail.objects.filter(template="provisional_code").latest("id").body_text)
    assert sign_in(client, code)["Location"] == reverse("web:choose_password")
    response = client.post(
        reverse("web:choose_password"), {"password": "Nouveau-Code-2027", "confirmation": "Nouveau-Code-2027"}
    )
    assert response["Location"] == reverse("web:account")
    assert "Votre code personnel a été modifié." in client.get(reverse("web:account")).content.decode()
    assert OutboundEmail.objects.filter(template="password_changed").count() == 1


def test_after_code_oublie_an_account_holder_is_asked_for_a_new_code_not_for_step_3_of_5_R_CODE5(
    client, code_sent, now
):
    factories.active(code_sent, now)
    challenge = shown_challenge(captcha_id_in(client.get(reverse("web:code_forgot"))))
    client.post(
        reverse("web:code_forgot"),
        {"nir": NIR, "birth_date": "03/05/1984", "captcha_id": challenge.id, "captcha_answer": challenge.answer},
    )
    sign_in(client, clear_code_of(OutboundEmail.objects.filter(template="provisional_code").latest("id").body_text))
    page = client.get(reverse("web:choose_password")).content.decode()
    assert "<title>Choisir un nouveau code personnel" in page
    assert "<h1>Choisir un nouveau code personnel</h1>" in page
    assert "Étape" not in page
    assert "Choisir mon code personnel" not in page
    assert "il remplacera l&#x27;ancien" in page or "il remplacera l'ancien" in page
    refused = client.post(reverse("web:choose_password"), {"password": "court", "confirmation": "court"})
    assert "<title>Erreur – Choisir un nouveau code personnel" in refused.content.decode()


def test_the_first_personal_code_is_step_3_of_5(client, code_sent):
    restricted(client, code_sent)
    page = client.get(reverse("web:choose_password")).content.decode()
    assert "<h1>Choisir mon code personnel</h1>" in page
    assert "Étape 3 sur 5 — Mon code personnel" in page
    assert "nouveau code personnel" not in page


def test_the_phone_numbers_are_changed_on_their_own_page_with_their_questions_R_CT6(client, code_sent, now):
    factories.active(code_sent, now)
    sign_in(client, PERSONAL_CODE)
    assert reverse("web:phones_change") in client.get(reverse("web:account")).content.decode()
    page = client.get(reverse("web:phones_change")).content.decode()
    assert 'name="mobile"' in page
    assert "Vos choix actuels" not in page  # no number yet: no current choice to tell
    refused = client.post(reverse("web:phones_change"), {"mobile": "06 12 34 56 78", "landline": "01 45 37 59 4"})
    shown = refused.content.decode()
    assert refused.status_code == 200
    assert 'value="06 12 34 56 78"' in shown  # what was typed is kept
    assert "consent_mobile_call-error" in shown  # a new number's questions must be answered (R-CT4)
    done = client.post(
        reverse("web:phones_change"),
        {"mobile": "06 12 34 56 78", "consent_mobile_call": "non", "consent_mobile_sms": "oui", "landline": ""},
    )
    assert done["Location"] == reverse("web:account")
    account_page = client.get(reverse("web:account")).content.decode()
    assert "Vos numéros de téléphone sont enregistrés." in account_page
    assert "06 12 34 56 78" in account_page
    assert "Retirer mon accord (par SMS)" in account_page
    again = client.get(reverse("web:phones_change")).content.decode()
    assert 'value="06 12 34 56 78"' in again
    assert "Vos choix actuels pour le 06 12 34 56 78 : par téléphone, non ; par SMS, oui." in again
    assert "checked" not in again  # R-CT4: nothing answered in advance, the current choices are said
