"""R-CAP6 as the pages serve it: the page and « Nouveau code anti-robot » give a proof-of-work challenge made for
their CAPTCHA challenge; a proof made for another challenge, another client, replayed, forged, over-long or
garbage gets a clear French message and a new challenge, never a server error; without JavaScript the form
still works."""

import base64
import html
import json
import re

import pytest
from altcha import v1 as altcha
from django.test import Client as HttpClient
from django.urls import reverse

from moncompte.captcha.challenges import challenge_answer
from moncompte.outbox.models import OutboundEmail

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("traveller")]
TYPED = {"nir": "2 84 05 88 321 025 32", "birth_date": "03/05/1984", "postal_code": "88100", "email": "c@example.fr"}
REFUSED = "La vérification automatique de votre navigateur n&#x27;a pas abouti"


def errors_of(page: str) -> str:
    found = re.search(r'class="error-summary".*?</div>', page, re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", found[0])) if found else ""


def shown(page: str) -> tuple[str, str]:
    """The CAPTCHA challenge of a page and the work challenge that goes with it (JSON)."""
    challenge = re.search(r'name="captcha_id" value="([^"]+)"', page)
    work = re.search(r'data-work-challenge="([^"]+)"', page)
    assert challenge
    assert work
    return challenge[1], html.unescape(work[1])


def proof_of(work_json: str) -> str:
    """What the page's script computes and puts in the form."""
    work = json.loads(work_json)
    solution = altcha.solve_challenge(work["challenge"], work["salt"], work["algorithm"], work["maxNumber"])
    assert solution is not None
    fields = {k: work[k] for k in ("algorithm", "challenge", "salt", "signature")}
    return base64.b64encode(json.dumps({**fields, "number": solution.number}).encode()).decode()


def answered(challenge_id: str, work: str) -> dict[str, str]:
    return {
        **TYPED,
        "captcha_id": challenge_id,
        "captcha_answer": challenge_answer(challenge_id=challenge_id),
        "captcha_work": work,
    }


def test_the_proof_made_for_the_page_s_challenge_opens_it_R_CAP6(client, beneficiary):
    challenge_id, work = shown(client.get(reverse("web:identity")).content.decode())
    response = client.post(reverse("web:identity"), answered(challenge_id, proof_of(work)))
    assert response["Location"] == reverse("web:code_sent")
    assert OutboundEmail.objects.filter(template="provisional_code").count() == 1


def test_the_proof_of_one_page_is_refused_for_the_challenge_of_another_R_CAP6(client, beneficiary):
    _, first_work = shown(client.get(reverse("web:identity")).content.decode())
    second_id, _ = shown(client.get(reverse("web:identity")).content.decode())
    page = client.post(reverse("web:identity"), answered(second_id, proof_of(first_work)))
    assert page.status_code == 200
    assert REFUSED in page.content.decode()
    assert shown(page.content.decode())[0] != second_id  # a new challenge is offered, with its own work
    assert page.content.decode().count(TYPED["email"]) >= 1  # what was typed is kept (R-A11Y2)
    assert not OutboundEmail.objects.exists()


def test_a_proof_made_for_another_client_is_refused_R_CAP6(beneficiary):
    browser = HttpClient(REMOTE_ADDR="203.0.113.7")
    challenge_id, work = shown(browser.get(reverse("web:identity")).content.decode())
    elsewhere = HttpClient(REMOTE_ADDR="198.51.100.9")
    elsewhere.cookies = browser.cookies  # the same browser session, from another address
    page = elsewhere.post(reverse("web:identity"), answered(challenge_id, proof_of(work)))
    assert REFUSED in page.content.decode()
    assert not OutboundEmail.objects.exists()


def test_a_replayed_proof_is_refused_R_CAP6(client, beneficiary):
    challenge_id, work = shown(client.get(reverse("web:identity")).content.decode())
    proof = proof_of(work)
    wrong = {**answered(challenge_id, proof), "captcha_answer": "ZZZZZZ"}
    assert "ne correspondent" in errors_of(client.post(reverse("web:identity"), wrong).content.decode())
    page = client.post(reverse("web:identity"), answered(challenge_id, proof))  # the same proof, again
    assert REFUSED in page.content.decode()
    assert not OutboundEmail.objects.exists()


def _forged(work_json: str) -> str:
    decoded = json.loads(base64.b64decode(proof_of(work_json)))
    return base64.b64encode(json.dumps({**decoded, "signature": "0" * 64}).encode()).decode()


@pytest.mark.parametrize(
    "work", ["garbage", "e30=", "%%%", "A" * 1999, "A" * 5000, "é" * 50, "\x00", "forged", "altered"]
)
def test_a_bad_proof_gets_a_french_message_and_a_new_challenge_never_a_server_error_R_CAP6(client, beneficiary, work):
    challenge_id, work_json = shown(client.get(reverse("web:identity")).content.decode())
    if work == "forged":
        work = _forged(work_json)
    elif work == "altered":
        work = proof_of(work_json).replace("=", "") + "AAAA"
    page = client.post(reverse("web:identity"), answered(challenge_id, work))
    assert page.status_code == 200
    body = page.content.decode()
    assert "error-summary" in body
    assert REFUSED in body, errors_of(body)
    assert shown(body)[0]
    assert not OutboundEmail.objects.exists()


def test_a_new_code_brings_a_new_proof_of_work_made_for_it_R_CAP6(client, beneficiary):
    _, old_work = shown(client.get(reverse("web:identity")).content.decode())
    renewed = client.post(reverse("web:captcha_new")).json()
    assert json.loads(renewed["work"])["signature"] != json.loads(old_work)["signature"]
    page = client.post(reverse("web:identity"), answered(renewed["id"], proof_of(old_work)))
    assert REFUSED in page.content.decode()
    renewed = client.post(reverse("web:captcha_new")).json()
    response = client.post(reverse("web:identity"), answered(renewed["id"], proof_of(renewed["work"])))
    assert response["Location"] == reverse("web:code_sent")


def test_the_page_names_the_script_of_the_proof_of_work_R_CAP6(client):
    page = client.get(reverse("web:identity")).content.decode()
    script = re.search(r'data-work-script="([^"]+)"', page)
    assert script
    assert "/web/work." in script[1]
