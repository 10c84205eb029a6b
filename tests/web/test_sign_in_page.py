"""The sign-in page's refusals show the way out that helps (issue 23): « Code oublié ? » for a wrong or suspended
sign-in, never « recommencer la création » to someone who may have an account and would still wait (R-PW9)."""

import html
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from tests import factories
from tests.web.test_enrollment_pages import submit_identity

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("traveller")]
NIR = "2 84 05 88 321 025 32"
RESTART = "recommencer la création du compte"


def sign_in(client, secret, nir=NIR) -> str:
    response = client.post(reverse("web:sign_in"), {"nir": nir, "code": secret})
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def notice_of(page: str) -> str:
    start = page.index('<p class="notice">')
    return page[start : page.index("</p>", start)]


def test_a_wrong_code_says_what_to_check_and_offers_code_oublie_R_LIM4(client, code_sent):
    page = sign_in(client, "Mauvais-Code-2026")
    assert "Vérifiez votre numéro (il figure sur votre carte Vitale) et votre code" in page
    assert f'href="{reverse("web:code_forgot")}"' in notice_of(page)
    assert RESTART not in page


@pytest.mark.parametrize("nir", [NIR, "1 85 05 75 056 048 66"], ids=["account", "no_account"])
def test_a_suspended_sign_in_offers_the_wait_and_code_oublie_not_a_new_creation_R_PW9_R_LIM4(client, code_sent, nir):
    for _ in range(4):
        sign_in(client, "Mauvais-Code-2026", nir)
    page = sign_in(client, "Mauvais-Code-2026", nir)
    assert "la connexion est suspendue pendant 2 minutes" in page
    assert "Code oublié ? Recevoir un code provisoire" in notice_of(page)
    assert RESTART not in page


def test_an_expired_provisional_code_still_offers_the_first_visit_again_R_CODE2(client, code_sent, traveller):
    traveller.shift(timedelta(minutes=31))
    page = sign_in(client, code_sent.clear)
    assert "Votre code provisoire a expiré" in page
    assert RESTART in notice_of(page)


def test_an_existing_account_at_the_identity_step_is_offered_sign_in_and_code_oublie_R_ID1(code_sent, now):
    factories.with_personal_code(code_sent, now)
    page = html.unescape(submit_identity(Client()).content.decode())
    notice = notice_of(page[page.index("Vous avez déjà un compte") :])
    assert f'href="{reverse("web:sign_in")}"' in notice
    assert f'href="{reverse("web:code_forgot")}"' in notice
