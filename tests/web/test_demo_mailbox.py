import pytest
from django.urls import reverse

from moncompte.outbox.delivery import deliver_due
from moncompte.outbox.mail import enqueue
from moncompte.outbox.sink import received, sink_start
from moncompte.outbox.transport import SmtpTransport

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_mailbox(settings, tmp_path, now, traveller):
    settings.DEMO = True
    settings.VAR_DIR = tmp_path
    controller = sink_start(maildir=tmp_path / "mailbox")
    enqueue(
        template="email_confirmation",
        to="camille@example.fr",
        now=now,
        context={"first_name": "Camille", "last_name": "DURAND"},
        secret_context={"link": "http://127.0.0.1:8000/email/abc/"},
    )
    deliver_due(transport=SmtpTransport(host=controller.hostname, port=controller.port))
    controller.stop()
    return received(tmp_path / "mailbox")[0]


def test_the_mailbox_does_not_exist_outside_the_demo_R_MAIL2(client, settings):
    settings.DEMO = False
    assert client.get(reverse("web:demo_mailbox")).status_code == 404


def test_the_demo_mailbox_shows_what_the_smtp_server_received_R_MAIL2(client, demo_mailbox):
    listing = client.get(reverse("web:demo_mailbox")).content.decode()
    assert "Votre compte ameli - Confirmation de votre adresse mail" in listing
    page = client.get(reverse("web:demo_mailbox_message", args=[demo_mailbox.key])).content.decode()
    assert '<a href="http://127.0.0.1:8000/email/abc/"' in page  # the link is clickable in the text part


def test_links_of_the_html_part_open_outside_the_frame(client, demo_mailbox):
    response = client.get(reverse("web:demo_mailbox_html", args=[demo_mailbox.key]))
    assert '<base target="_blank">' in response.content.decode()
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "SAMEORIGIN"
