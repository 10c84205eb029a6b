"""« Ma messagerie » on the web (R-MSG3, R-MSG4): the box, a message, its deletion, the header's count."""

from dataclasses import replace

import pytest
from django.urls import reverse

from moncompte.messaging.models import Message
from tests import factories
from tests.factories import PERSONAL_CODE
from tests.messaging.helpers import post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("traveller")]
NIR = "2 84 05 88 321 025 32"


@pytest.fixture
def signed_in(client, code_sent, now, settings):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, site_url="https://moncompte.example")
    account = factories.active(code_sent, now).account
    client.post(reverse("web:sign_in"), {"nir": NIR, "code": PERSONAL_CODE})
    return account


def test_the_box_shows_unread_messages_in_bold_and_the_count_in_every_header_R_MSG3(client, signed_in, now):
    post(signed_in.pk, now, subject="Déjà lu")
    Message.objects.filter(letter__subject="Déjà lu").update(read_at=now)
    post(signed_in.pk, now, subject="Nouveau <b>message</b>")
    page = client.get(reverse("web:messages")).content.decode()
    assert "<strong>Nouveau &lt;b&gt;message&lt;/b&gt;</strong>" in page
    assert "Déjà lu</a>" in page
    assert page.index("Nouveau") < page.index("Déjà lu")  # newest first (same time: the later one)
    assert "Vous avez 1 message non lu." in page
    account_page = client.get(reverse("web:account")).content.decode()
    assert 'class="header-messages"' in account_page
    assert "(1 non lu)" in account_page


def test_a_message_is_shown_escaped_with_its_links_and_becomes_read_R_MSG3(client, signed_in, now):
    body = "Bonjour <Camille>,\nvoir https://moncompte.example/mon-compte/ et https://autre.example/page."
    message = post(signed_in.pk, now, body=body)
    page = client.get(reverse("web:message") + f"?id={message.pk}").content.decode()
    assert "Bonjour &lt;Camille&gt;,<br>" in page
    assert '<a href="https://moncompte.example/mon-compte/">https://moncompte.example/mon-compte/</a>' in page
    assert 'href="https://autre.example/page" rel="noopener noreferrer"' in page
    assert "(site extérieur : autre.example)" in page
    assert "https://autre.example/page.<" not in page  # the full stop ends the sentence, not the address
    message.refresh_from_db()
    assert message.read_at == now
    assert "(non lu)" not in client.get(reverse("web:messages")).content.decode()


def test_deleting_asks_for_confirmation_then_removes_the_message_R_MSG4(client, signed_in, now):
    message = post(signed_in.pk, now, subject="À supprimer")
    confirm = client.get(reverse("web:message_delete") + f"?id={message.pk}").content.decode()
    assert "Supprimer ce message ?" in confirm
    assert "À supprimer" in confirm
    assert Message.objects.get().deleted_at is None
    response = client.post(reverse("web:message_delete"), {"id": message.pk})
    assert response["Location"] == reverse("web:messages")
    page = client.get(reverse("web:messages")).content.decode()
    assert "Le message est supprimé." in page
    assert "Votre messagerie est vide." in page
    assert client.get(reverse("web:message") + f"?id={message.pk}").status_code == 404


def test_a_message_of_someone_else_or_a_made_up_id_is_not_found_R_MSG4(client, signed_in, now):
    assert client.get(reverse("web:message") + "?id=999999").status_code == 404
    assert client.get(reverse("web:message") + "?id=abc").status_code == 404
    assert client.post(reverse("web:message_delete"), {"id": "999999"}).status_code == 404


def test_the_box_is_for_signed_in_people_only_R_SEC1(client, db):
    assert client.get(reverse("web:messages"))["Location"] == reverse("web:sign_in")
    home = client.get(reverse("web:home")).content.decode()
    assert "header-messages" not in home
