"""R-A11Y1, R-A11Y4: what the pages say to assistive technologies."""

import re

import pytest
from django.urls import reverse

from tests import factories
from tests.factories import PERSONAL_CODE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("traveller")]
NIR = "2 84 05 88 321 025 32"


def at_contact_step(client, code_sent):
    client.post(reverse("web:sign_in"), {"nir": NIR, "code": code_sent.clear})
    client.post(reverse("web:choose_password"), {"password": PERSONAL_CODE, "confirmation": PERSONAL_CODE})


def test_the_error_summary_links_a_yes_no_question_to_its_first_answer_R_A11Y1(client, code_sent):
    at_contact_step(client, code_sent)
    page = client.post(reverse("web:contact"), {"email": "", "mobile": "06 50 56 42 78"}).content.decode()
    assert 'href="#id_consent_email_0"' in page
    assert 'href="#id_consent_mobile_sms_0"' in page
    assert 'id="id_consent_email_0"' in page
    assert 'href="#"' not in page


def test_each_consent_question_is_the_legend_of_its_answers_R_A11Y1(client, code_sent):
    at_contact_step(client, code_sent)
    page = client.get(reverse("web:contact")).content.decode()
    legends = re.findall(r"<legend>(.*?)<span", page, re.S)
    assert any("informations promotionnelles sur ses services par SMS" in legend for legend in legends)
    assert any("par téléphone (fixe)" in legend for legend in legends)


def test_the_sign_in_nir_is_filled_by_password_managers_as_the_user_name(client):
    page = client.get(reverse("web:sign_in")).content.decode()
    assert re.search(r'name="nir"[^>]*autocomplete="username"|autocomplete="username"[^>]*name="nir"', page)


def test_the_heading_comes_before_the_error_summary_on_the_pending_page(client, code_sent, now):
    factories.with_link_sent(code_sent, now)
    client.post(reverse("web:sign_in"), {"nir": NIR, "code": PERSONAL_CODE})
    page = client.post(reverse("web:email_pending"), {"action": "different", "email": "x"}).content.decode()
    assert page.index("<h1>") < page.index("error-summary")


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("web:identity", "Étape 1 sur 5 — Mon identité"),
        ("web:email_validation", "Étape 5 sur 5 — Validation de mon email"),
    ],
)
def test_the_pages_of_the_first_visit_say_their_step_R_A11Y6(client, name, said):
    assert said in client.get(reverse(name)).content.decode()


def test_each_show_button_has_its_own_name_and_sign_in_has_one_R_A11Y4(client, code_sent):
    sign_in_page = client.get(reverse("web:sign_in")).content.decode()
    assert 'data-toggle-password="id_code"' in sign_in_page
    client.post(reverse("web:sign_in"), {"nir": NIR, "code": code_sent.clear})
    page = client.get(reverse("web:choose_password")).content.decode()
    assert 'data-hide-label="Masquer le code">Afficher le code</button>' in page
    assert 'data-hide-label="Masquer la confirmation">Afficher la confirmation</button>' in page


def test_a_masked_address_is_spoken_as_words_and_wraps_R_A11Y4():
    from moncompte.web.templatetags.masked import masked_email, spoken

    assert spoken("c•••••e@example.fr") == "c, 5 caractères masqués, e, arobase example.fr"
    html = str(masked_email("c•••••e@example.fr"))
    assert '<span aria-hidden="true">c•••••e@example.fr</span>' in html
    assert 'class="visually-hidden">c, 5 caractères masqués, e, arobase example.fr' in html
    assert 'class="masked-email"' in html


def test_the_code_sent_page_speaks_the_masked_address(client, beneficiary):
    from moncompte.web.views.common import STEPS  # noqa: F401 - the page is the journey's step 2
    from tests.helpers import shown_challenge

    page = client.get(reverse("web:identity")).content.decode()
    found = re.search(r'name="captcha_id" value="([^"]+)"', page)
    assert found
    challenge = shown_challenge(found[1])
    data = {"nir": NIR, "birth_date": "03/05/1984", "postal_code": "88100", "email": "camille@example.fr"}
    client.post(reverse("web:identity"), {**data, "captcha_id": challenge.id, "captcha_answer": challenge.answer})
    assert "c, 5 caractères masqués, e, arobase example.fr" in client.get(reverse("web:code_sent")).content.decode()
