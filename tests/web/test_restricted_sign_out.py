"""R-CODE6: signing out of the restricted session (after the provisional code, before the personal code) keeps
the code single-use, and the service says so before and after: a new code will be needed, from « Code oublié ? »."""

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from moncompte.audit.models import AuditEvent
from moncompte.web.views.access import RESTRICTED_SIGNED_OUT
from tests.api.test_sessions import NIR, call

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("traveller")]


@pytest.fixture
def restricted(code_sent) -> HttpClient:
    browser = HttpClient()
    answer = browser.post(reverse("web:sign_in"), {"nir": NIR, "code": code_sent.clear})
    assert answer["Location"] == reverse("web:choose_password")
    return browser


def test_the_personal_code_page_says_before_signing_out_that_a_new_code_will_be_needed_R_CODE6(restricted):
    page = restricted.get(reverse("web:choose_password")).content.decode()
    warning, form = page.split("data-restricted-sign-out", 1)
    assert f'action="{reverse("web:sign_out")}"' in warning.rsplit("<form", 1)[1]
    assert "ne sert qu'une fois" in warning
    assert f'href="{reverse("web:code_forgot")}">« Code oublié ? »</a>' in warning
    assert "un nouveau code provisoire sera nécessaire" in form


def test_signing_out_of_the_restricted_session_ends_it_and_says_how_to_get_a_new_code_R_CODE6(restricted, code_sent):
    answer = restricted.post(reverse("web:sign_out"))
    assert answer["Location"] == reverse("web:home")
    assert RESTRICTED_SIGNED_OUT in restricted.get(reverse("web:home")).content.decode()
    assert "« Code oublié ? »" in RESTRICTED_SIGNED_OUT
    assert restricted.get(reverse("web:choose_password"))["Location"].startswith(reverse("web:sign_in"))
    assert AuditEvent.objects.filter(event="sign_out").count() == 1
    again = restricted.post(reverse("web:sign_in"), {"nir": NIR, "code": code_sent.clear})
    assert "Ce code provisoire a déjà servi" in again.content.decode()  # single use, as before


def test_signing_out_of_a_full_session_says_goodbye_only_R_CODE6(client):
    client.post(reverse("web:sign_out"))
    page = client.get(reverse("web:home")).content.decode()
    assert "Vous êtes déconnecté. À bientôt." in page
    assert RESTRICTED_SIGNED_OUT not in page


def test_the_app_is_told_that_signing_out_with_the_restricted_token_needs_a_new_code_R_CODE6(code_sent):
    status, restricted, _ = call("post", "/sessions", nir=NIR, code=code_sent.clear)
    assert status == 200
    assert call("delete", "/sessions/current", restricted["access_token"])[0] == 204
    status, problem, _ = call("post", "/sessions", nir=NIR, code=code_sent.clear)
    assert (status, problem["code"]) == (400, "code_used")
    document = call("get", "/openapi.json")[1]
    said = document["paths"]["/api/v1/sessions/current"]["delete"]["description"]
    assert "jeton restreint" in said
    assert "`POST /code-forgot`" in said
    assert "ne sert qu'une fois" in document["info"]["description"]
