import re
from dataclasses import replace
from datetime import timedelta

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from moncompte.outbox.models import OutboundEmail
from tests.helpers import clear_code_of, shown_challenge

pytestmark = pytest.mark.django_db

TYPED = {
    "nir": "2 84 05 88 321 025 32",
    "birth_date": "03/05/1984",
    "postal_code": "88100",
    "email": "camille@example.fr",
}


def captcha_id_in(response) -> str:
    found = re.search(r'name="captcha_id" value="([^"]+)"', response.content.decode())
    assert found
    return found[1]


def identity_page(client):
    response = client.get(reverse("web:identity"))
    assert response.status_code == 200
    return response


def submit_identity(client, *, answer=None, **changes):
    challenge = shown_challenge(captcha_id_in(identity_page(client)))
    data = {
        **TYPED,
        **changes,
        "captcha_id": challenge.id,
        "captcha_answer": challenge.answer if answer is None else answer,
    }
    return client.post(reverse("web:identity"), data)


def test_home_offers_creer_un_compte(client):
    page = client.get("/").content.decode()
    assert "Première visite ?" in page
    assert reverse("web:identity") in page


def test_a_matching_identity_leads_to_the_code_sent_page(client, beneficiary):
    response = submit_identity(client)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "c•••••e@example.fr" in page
    assert "30 minutes" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"nir": "2840588321"}, "vous en avez saisi 10"),
        ({"nir": "7840588321025"}, "numéro provisoire"),
        ({"nir": "2850588321025"}, "ne correspond pas à la date de naissance"),
        ({"birth_date": "31/02/1984"}, "Cette date n&#x27;existe pas : vérifiez le jour et le mois."),
        ({"birth_date": "3 mai 1984"}, "format JJ/MM/AAAA"),
        ({"postal_code": "881"}, "5 chiffres"),
        ({"email": "camille@"}, "adresse email n&#x27;est pas valide"),
        ({"postal_code": "88000"}, "ne permettent pas de vous identifier"),
    ],
)
def test_each_wrong_input_is_explained_and_what_was_typed_is_kept_R_A11Y1(client, beneficiary, changes, message):
    response = submit_identity(client, **changes)
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    assert 'class="error-summary"' in page
    typed = {**TYPED, **changes}
    for name in ("birth_date", "postal_code", "email"):
        assert f'value="{typed[name]}"' in page
    assert not OutboundEmail.objects.exists()


def test_errors_are_linked_to_their_field_R_A11Y1(client, beneficiary):
    page = submit_identity(client, postal_code="881").content.decode()
    assert 'aria-describedby="postal_code-hint postal_code-error"' in page
    assert 'aria-invalid="true"' in page
    assert 'href="#id_postal_code"' in page


def test_a_wrong_captcha_shows_a_new_one_and_keeps_the_fields_R_CAP2(client, beneficiary):
    first = shown_challenge(captcha_id_in(identity_page(client)))
    response = client.post(reverse("web:identity"), {**TYPED, "captcha_id": first.id, "captcha_answer": "ZZZZZZ"})
    page = response.content.decode()
    assert "ne correspondent ni à l&#x27;image ni au son" in page
    second = shown_challenge(captcha_id_in(response))
    assert second.id != first.id
    assert f'value="{second.id}"' in page
    assert 'value="camille@example.fr"' in page
    assert 'name="captcha_answer" id="id_captcha_answer" maxlength="20"' in page  # emptied for the new image


def test_an_expired_captcha_says_so_R_CAP2(client, beneficiary, traveller):
    challenge = shown_challenge(captcha_id_in(identity_page(client)))
    traveller.shift(timedelta(minutes=5, seconds=1))
    data = {**TYPED, "captcha_id": challenge.id, "captcha_answer": challenge.answer}
    page = client.post(reverse("web:identity"), data).content.decode()
    assert "valable 5 minutes" in page


def test_nouveau_code_keeps_the_fields_without_errors_R_A11Y2(client, beneficiary):
    identity_page(client)
    response = client.post(reverse("web:identity"), {**TYPED, "action": "new_captcha"})
    page = response.content.decode()
    assert 'value="camille@example.fr"' in page
    assert "error-summary" not in page


def test_the_captcha_alt_text_never_holds_the_answer_R_CAP1(client):
    response = identity_page(client)
    page = response.content.decode()
    challenge = shown_challenge(captcha_id_in(response))
    assert challenge.answer not in page
    assert 'alt="Image contenant deux lignes de lettres et de chiffres à recopier, celle du haut puis' in page
    # R-CAP5: the count of characters varies and is never told, to a script or to anyone
    assert "image, ligne du haut puis ligne du bas, lettres ou chiffres, majuscules ou" in page  # the field's hint
    assert not re.search(r"\b\d+ caractères (à recopier|pour l)", page)
    assert client.get(reverse("web:captcha_image", args=[challenge.id]))["Content-Type"] == "image/png"
    assert client.get(reverse("web:captcha_audio", args=[challenge.id]))["Content-Type"] == "audio/wav"


def test_too_many_failures_show_the_time_to_wait_R_ID2(client, beneficiary):
    for _ in range(5):
        submit_identity(client, postal_code="88000")
    page = submit_identity(client).content.decode()
    assert "Trop de tentatives" in page
    assert "minutes" in page


def sign_in(client, code, nir=TYPED["nir"]):
    return client.post(reverse("web:sign_in"), {"nir": nir, "code": code})


def test_signing_in_with_the_code_opens_the_restricted_session_R_CODE4(client, beneficiary):
    submit_identity(client)
    code = clear_code_of(OutboundEmail.objects.get().body_text)
    before = client.session.session_key
    response = sign_in(client, code)
    assert response["Location"] == reverse("web:choose_password")
    assert client.session.session_key != before  # R-SEC2: key renewed at sign-in
    page = client.get(reverse("web:choose_password")).content.decode()
    assert "Choisir mon code personnel" in page
    assert "Camille DURAND" in page


def test_the_restricted_session_ends_when_the_code_expires_R_CODE4(client, beneficiary, traveller):
    submit_identity(client)
    sign_in(client, clear_code_of(OutboundEmail.objects.get().body_text))
    traveller.shift(timedelta(minutes=30, seconds=1))
    response = client.get(reverse("web:choose_password"))
    assert response["Location"] == reverse("web:sign_in") + "?expire=1"
    assert "Votre session a expiré" in client.get(response["Location"]).content.decode()


def test_the_restricted_session_is_extended_in_one_action_a_bounded_number_of_times_R_A11Y5(
    client, beneficiary, traveller, settings
):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, restricted_extensions_max=2)
    submit_identity(client)
    sign_in(client, clear_code_of(OutboundEmail.objects.get().body_text))
    page = client.get(reverse("web:choose_password")).content.decode()
    assert 'data-seconds-left="1800"' in page  # the page's warning counts from the server's clock
    for minutes in (28, 18):  # each time a little before the end
        traveller.shift(timedelta(minutes=minutes))
        answer = client.post(reverse("web:restricted_extend"))
        assert answer.status_code == 200
        assert answer.json()["seconds_left"] == 20 * 60
    traveller.shift(timedelta(minutes=19))
    refused = client.post(reverse("web:restricted_extend"))
    assert refused.status_code == 409
    assert "ne peut plus être prolongée" in refused.json()["message"]
    assert client.get(reverse("web:choose_password")).status_code == 200
    traveller.shift(timedelta(minutes=1, seconds=1))
    assert client.get(reverse("web:choose_password"))["Location"] == reverse("web:sign_in") + "?expire=1"


def test_an_ended_restricted_session_cannot_be_extended_R_CODE4(client, beneficiary, traveller):
    assert client.post(reverse("web:restricted_extend"))["Location"] == reverse("web:sign_in")
    submit_identity(client)
    sign_in(client, clear_code_of(OutboundEmail.objects.get().body_text))
    traveller.shift(timedelta(minutes=30, seconds=1))
    assert client.post(reverse("web:restricted_extend"))["Location"] == reverse("web:sign_in") + "?expire=1"


def test_the_personal_code_page_needs_a_sign_in_R_SEC1(client):
    assert client.get(reverse("web:choose_password"))["Location"] == reverse("web:sign_in")


def test_a_wrong_code_keeps_the_nir_and_says_no_more_than_for_any_code_R_LIM4(client, beneficiary):
    submit_identity(client)
    page = sign_in(client, "Wrong2Code").content.decode()
    assert "Le numéro de sécurité sociale ou le code saisi est incorrect" in page
    assert "essai" not in page  # no count of tries left: it would tell a provisional account exists
    assert f'value="{TYPED["nir"]}"' in page


def test_an_expired_code_points_to_a_new_one_R_CODE2(client, beneficiary, traveller):
    submit_identity(client)
    code = clear_code_of(OutboundEmail.objects.get().body_text)
    traveller.shift(timedelta(minutes=30, seconds=1))
    page = sign_in(client, code).content.decode()
    assert "a expiré" in page
    assert "Code oublié ? Recevoir un code provisoire" in page


def test_forms_need_the_csrf_token_R_SEC2(beneficiary):
    strict = HttpClient(enforce_csrf_checks=True)
    response = strict.post(reverse("web:identity"), TYPED)
    assert response.status_code == 403
    assert "Cette page a expiré" in response.content.decode()


def test_pages_carry_the_security_headers_R_SEC2(client):
    response = client.get(reverse("web:identity"))
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_session_cookie_is_httponly_and_lax_R_SEC2(client, beneficiary):
    submit_identity(client)
    cookie = client.cookies["sessionid"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_personal_fields_have_autocomplete_R_A11Y1(client):
    page = identity_page(client).content.decode()
    assert 'autocomplete="bday"' in page
    assert 'autocomplete="postal-code"' in page
    assert 'autocomplete="email"' in page


@pytest.mark.parametrize("name", ["web:home", "web:identity", "web:sign_in"])
def test_pages_answer_head_requests_like_link_checkers_send(client, name):
    assert client.head(reverse(name)).status_code == 200


def test_the_error_summary_names_each_field_once_R_A11Y1(client, beneficiary):
    page = submit_identity(client, nir="", postal_code="881").content.decode()
    summary = page[page.index('class="error-summary"') : page.index("</ul>", page.index('class="error-summary"'))]
    assert "Ce champ est obligatoire : Numéro de sécurité sociale." in summary
    assert "Numéro de sécurité sociale : Ce champ" not in summary  # not "label : message naming the label"
    assert summary.count("Numéro de sécurité sociale") == 1
