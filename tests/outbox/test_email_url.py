"""R-MAIL2: EMAIL_URL says where mail goes: smtp:// (STARTTLS with ?tls=1) or smtps:// (TLS from the start),
with an optional user and password, percent-encoded as in any URL."""

import re

import pytest

from moncompte.outbox.transport import SmtpTransport
from moncompte.outbox.worker import SMTP_KEEP_IDLE_SECONDS, transport_from_settings


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://relay.example.fr", SmtpTransport(host="relay.example.fr", port=25)),
        ("smtp://", SmtpTransport(host="localhost", port=25)),
        ("smtps://relay.example.fr", SmtpTransport(host="relay.example.fr", port=465, implicit_tls=True)),
        ("smtps://relay.example.fr:2465", SmtpTransport(host="relay.example.fr", port=2465, implicit_tls=True)),
        (
            "smtp://envoi%40moncompte:p%40ss%3Aw0rd@relay.example.fr:587?tls=1",
            SmtpTransport(
                host="relay.example.fr", port=587, username="envoi@moncompte", password="p@ss:w0rd", starttls=True
            ),
        ),
        ("smtp://relay.example.fr?tls=true", SmtpTransport(host="relay.example.fr", port=25, starttls=True)),
        ("smtp://relay.example.fr?tls=yes", SmtpTransport(host="relay.example.fr", port=25, starttls=True)),
        ("smtp://relay.example.fr?tls=0", SmtpTransport(host="relay.example.fr", port=25)),
        ("smtp://relay.example.fr?tls=non", SmtpTransport(host="relay.example.fr", port=25)),
    ],
)
def test_the_email_url_gives_the_relay_its_port_its_account_and_its_tls_R_MAIL2(url, expected):
    transport = SmtpTransport.from_url(url)
    assert transport == expected
    # What the URL does not say keeps its default: one connection per message, the usual deadlines.
    assert (transport.keep_idle, transport.timeout, transport.exchange_timeout) == (0.0, 15.0, 120.0)


def test_the_worker_keeps_its_connection_as_long_as_it_asks_R_MAIL2():
    assert SmtpTransport.from_url("smtp://relay.example.fr", keep_idle=10.0).keep_idle == 10.0


@pytest.mark.parametrize(
    ("url", "scheme"), [("http://relay.example.fr", "http"), ("relay.example.fr:25", "relay.example.fr"), ("", "")]
)
def test_an_email_url_of_another_kind_is_refused_with_what_was_given_R_MAIL2(url, scheme):
    said = f"EMAIL_URL doit commencer par smtp:// ou smtps:// (reçu : {scheme}://)"
    with pytest.raises(ValueError, match=f"^{re.escape(said)}$"):
        SmtpTransport.from_url(url)


@pytest.mark.parametrize(
    "url", ["smtp://envoi:m%C3%B4t-de-passe@relay.example.fr", "smtp://%C3%A9quipe:secret@relay.example.fr"]
)
def test_an_email_url_whose_account_is_not_ascii_is_refused_clearly_R_MAIL2(url):
    # smtplib could never send it (AUTH in ASCII): refused when the URL is read, not at every email.
    with pytest.raises(
        ValueError, match=r"^EMAIL_URL : le compte et le mot de passe du relais SMTP doivent être en ASCII$"
    ):
        SmtpTransport.from_url(url)


def test_the_worker_sends_to_the_email_url_keeping_its_connection_or_to_the_local_server_without_one(settings):
    settings.EMAIL_URL = "smtps://relay.example.fr"
    expected = SmtpTransport(host="relay.example.fr", port=465, implicit_tls=True, keep_idle=SMTP_KEEP_IDLE_SECONDS)
    assert transport_from_settings() == expected
    assert SMTP_KEEP_IDLE_SECONDS > 0
    settings.EMAIL_URL = ""
    assert transport_from_settings() == SmtpTransport(host="localhost", port=25, keep_idle=SMTP_KEEP_IDLE_SECONDS)
