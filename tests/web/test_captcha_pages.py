"""The CAPTCHA as pages serve it (R-CAP1..5)."""

import html
import json
import re
from dataclasses import replace

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from moncompte.outbox.models import OutboundEmail
from tests.helpers import shown_challenge

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("traveller")]
TYPED = {"nir": "2 84 05 88 321 025 32", "birth_date": "03/05/1984", "postal_code": "88100", "email": "c@example.fr"}


def challenge_on(page: str) -> str:
    found = re.search(r'name="captcha_id" value="([^"]+)"', page)
    assert found
    return found[1]


def test_the_page_carries_a_signed_proof_of_work_challenge_for_its_script_R_CAP5(client):
    page = client.get(reverse("web:identity")).content.decode()
    found = re.search(r'data-work-challenge="([^"]+)"', page)
    assert found
    challenge = json.loads(found[1].replace("&quot;", '"'))
    assert set(challenge) >= {"algorithm", "challenge", "salt", "signature", "maxNumber"}
    assert 'name="captcha_work" value=""' in page


def test_without_javascript_the_form_still_works_R_CAP5(client, beneficiary):
    challenge = shown_challenge(challenge_on(client.get(reverse("web:identity")).content.decode()))
    data = {**TYPED, "captcha_id": challenge.id, "captcha_answer": challenge.answer, "captcha_work": ""}
    assert client.post(reverse("web:identity"), data)["Location"] == reverse("web:code_sent")
    assert OutboundEmail.objects.filter(template="provisional_code").count() == 1


def test_a_challenge_answers_only_in_the_browser_that_asked_for_it_R_CAP4(client, beneficiary):
    challenge = shown_challenge(challenge_on(client.get(reverse("web:identity")).content.decode()))
    other = HttpClient()
    other.get(reverse("web:identity"))
    data = {**TYPED, "captcha_id": challenge.id, "captcha_answer": challenge.answer}
    page = other.post(reverse("web:identity"), data).content.decode()
    assert "ne correspondent ni à l&#x27;image ni au son" in page
    assert not OutboundEmail.objects.exists()


def test_fetching_the_picture_or_the_sound_again_gives_the_same_bytes_R_CAP4(client):
    challenge_id = challenge_on(client.get(reverse("web:identity")).content.decode())
    for name in ("web:captcha_image", "web:captcha_audio"):
        first = client.get(reverse(name, args=[challenge_id]))
        assert first["Cache-Control"] == "no-store"
        assert client.get(reverse(name, args=[challenge_id])).content == first.content


def test_past_the_limit_of_new_challenges_the_page_says_how_long_to_wait_R_CAP4(client, settings):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, captcha_new_per_session=2)
    client.get(reverse("web:identity"))
    client.get(reverse("web:code_forgot"))
    page = client.get(reverse("web:identity"))
    assert page.status_code == 200
    assert "Trop de tentatives. Pour votre sécurité, veuillez patienter" in page.content.decode()
    assert 'name="captcha_id"' not in page.content.decode()
    refused = client.post(reverse("web:captcha_new"))
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "patienter" in refused.json()["message"]


@pytest.mark.parametrize("challenge_id", ["x", "a.b.c.d", "%00", "é" * 90])
def test_a_forged_challenge_id_gets_a_404_for_its_media_and_a_message_on_the_form(client, beneficiary, challenge_id):
    assert client.get(reverse("web:captcha_image", args=[challenge_id])).status_code == 404
    client.get(reverse("web:identity"))
    page = client.post(reverse("web:identity"), {**TYPED, "captcha_id": challenge_id, "captcha_answer": "ABCDEF"})
    assert page.status_code == 200
    assert "ne correspondent ni" in page.content.decode()


def test_past_the_limit_of_fetches_the_media_answer_429_with_the_time_to_wait(client, settings):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, captcha_media_per_client=1)
    challenge_id = challenge_on(client.get(reverse("web:identity")).content.decode())
    assert client.get(reverse("web:captcha_audio", args=[challenge_id])).status_code == 200
    refused = client.get(reverse("web:captcha_audio", args=[challenge_id]))
    assert refused.status_code == 429
    assert "patienter" in refused.content.decode()


@pytest.mark.parametrize("field", ["captcha_id", "captcha_answer", "captcha_work"])
def test_non_ascii_input_in_any_captcha_field_gets_a_message_not_a_server_error(client, beneficiary, field):
    challenge = shown_challenge(challenge_on(client.get(reverse("web:identity")).content.decode()))
    data = {**TYPED, "captcha_id": challenge.id, "captcha_answer": challenge.answer, field: "a.b.c.é"}
    response = client.post(reverse("web:identity"), data)
    assert response.status_code == 200
    assert "error-summary" in response.content.decode()
    assert client.get(reverse("web:captcha_image", args=["a.b.c.é"])).status_code == 404


@pytest.mark.parametrize("form", ["web:identity", "web:code_forgot"])
@pytest.mark.parametrize("answer", ["", "   "])
def test_an_empty_answer_is_in_the_error_summary_beside_the_other_refusals_linked_to_its_field_R_A11Y1(
    client, form, answer
):
    challenge = challenge_on(client.get(reverse(form)).content.decode())
    typed = {**TYPED, "nir": "", "captcha_id": challenge, "captcha_answer": answer}
    page = html.unescape(client.post(reverse(form), typed).content.decode())
    summary = page[page.index('class="error-summary"') : page.index("</div>", page.index('class="error-summary"'))]
    assert re.search(r'<a href="#id_nir">[^<]*obligatoire', summary)
    assert re.search(r'<a href="#id_captcha_answer">[^<]*Recopiez les caractères de l\'image', summary)
    assert 'id="captcha_answer-error"' in page  # and next to the field, which it describes
    assert 'aria-describedby="captcha_answer-hint captcha_answer-error" aria-invalid="true"' in page


def test_a_typed_answer_beside_other_refusals_is_not_called_missing_R_A11Y1(client):
    challenge = challenge_on(client.get(reverse("web:identity")).content.decode())
    page = client.post(reverse("web:identity"), {**TYPED, "nir": "", "captcha_id": challenge, "captcha_answer": "AB"})
    assert "Recopiez les caractères" not in html.unescape(page.content.decode())
