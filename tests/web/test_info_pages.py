"""R-A11Y6: the footer of every page, and the pages it leads to."""

import re
from dataclasses import replace

import pytest
from django.urls import reverse

from moncompte.outbox.mail import enqueue
from moncompte.outbox.models import OutboundEmail

pytestmark = pytest.mark.django_db
PAGES = ["accessibilite", "mentions-legales", "donnees-personnelles", "aide"]


@pytest.mark.parametrize("name", ["web:home", "web:identity", "web:sign_in"])
def test_every_page_has_the_footer_links_and_a_favicon_R_A11Y6(client, name):
    page = client.get(reverse(name)).content.decode()
    assert "Accessibilité : partiellement conforme" in page
    for info in PAGES:
        assert reverse("web:info", args=[info]) in page
    assert 'rel="icon"' in page


@pytest.mark.parametrize("name", PAGES)
def test_each_footer_page_is_served_in_french(client, name):
    response = client.get(reverse("web:info", args=[name]))
    assert response.status_code == 200
    assert '<html lang="fr">' in response.content.decode()


def test_the_accessibility_statement_says_what_is_not_yet_accessible(client):
    page = client.get(reverse("web:info", args=["accessibilite"])).content.decode()
    assert "partiellement conforme" in page
    assert "Contenus non accessibles" in page
    assert "Voies de recours" in page


def test_an_unknown_footer_page_is_a_404(client):
    assert client.get("/informations/inconnue/").status_code == 404


def test_signing_out_says_so(client, code_sent, now, traveller):
    from tests import factories
    from tests.factories import PERSONAL_CODE

    factories.active(code_sent, now)
    client.post(reverse("web:sign_in"), {"nir": "2840588321025", "code": PERSONAL_CODE})
    response = client.post(reverse("web:sign_out"), follow=True)
    assert "Vous êtes déconnecté" in response.content.decode()


def test_one_service_name_in_the_header_every_title_and_the_emails_R_A11Y6(client, settings, now):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, service_name="compte santé")
    person = {"first_name": "Camille", "last_name": "DURAND", "expires_at": now}
    enqueue(template="provisional_code", to="c@example.fr", now=now, context=person, secret_context={"code": "x"})
    email = OutboundEmail.objects.get()
    assert email.subject == "Votre compte santé - Votre code provisoire"
    assert "compte santé" in email.body_text
    for page in (client.get(reverse("web:home")), client.get("/nulle-part/")):
        html = page.content.decode()
        assert re.search(r"<title>[^<]* – compte santé</title>", html)
        assert re.search(r'class="brand"[^>]*>.*compte santé', html)
        assert "moncompte" not in re.sub(r"<[^>]*>", "", html)  # the software's name is not the service's
