"""The relay is reached over TLS when EMAIL_URL says so (STARTTLS with `?tls=1`, TLS from the first byte with
smtps://), its certificate checked against the machine's trusted authorities, and with the account of the URL
when it asks for one (SMTP AUTH). Real relays (aiosmtpd) with a throwaway authority made by openssl; the
sender trusts it the way OpenSSL is told to on any machine, SSL_CERT_FILE (R-MAIL2)."""

import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from moncompte.outbox.message import Outgoing
from moncompte.outbox.sink import free_port
from moncompte.outbox.transport import DeliveryFailed, SmtpTransport

USERNAME, PASSWORD = "relais@moncompte.example", "mot de passe:a/100%"


def openssl(*arguments: str, cwd: Path) -> None:
    subprocess.run(["openssl", *arguments], cwd=cwd, check=True, capture_output=True)


def authority_make(folder: Path, name: str) -> None:
    """A certificate authority (`name`.pem) and a certificate of 127.0.0.1 it signed (`name`-relay.pem, its key
    in `name`-relay.key), with the extensions that Python's strict checking asks for."""
    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *key, "-keyout", f"{name}.key", "-out", f"{name}.pem", "-days", "2",
            "-subj", f"/CN={name}", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=folder)  # fmt: skip
    (folder / f"{name}-relay.ext").write_text(
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=serverAuth\nauthorityKeyIdentifier=keyid\nsubjectKeyIdentifier=hash\n"
    )
    openssl("req", *key, "-keyout", f"{name}-relay.key", "-out", f"{name}-relay.csr", "-subj", "/CN=127.0.0.1",
            cwd=folder)  # fmt: skip
    openssl("x509", "-req", "-in", f"{name}-relay.csr", "-CA", f"{name}.pem", "-CAkey", f"{name}.key",
            "-CAcreateserial", "-days", "2", "-extfile", f"{name}-relay.ext", "-out", f"{name}-relay.pem",
            cwd=folder)  # fmt: skip


@pytest.fixture(scope="module")
def authorities(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two authorities: `trusted`, which the sender is told to trust, and `stranger`, which it is not."""
    folder = tmp_path_factory.mktemp("authorities")
    authority_make(folder, "trusted")
    authority_make(folder, "stranger")
    return folder


@pytest.fixture(autouse=True)
def sender_trusts_the_test_authority(authorities: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(authorities / "trusted.pem"))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)


def server_context(authorities: Path, name: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(authorities / f"{name}-relay.pem", authorities / f"{name}-relay.key")
    return context


@dataclass
class Relay:
    """Keeps, for each message, whether it came over TLS and under which account (None: none)."""

    received: list[tuple[bool, str | None]]
    logins: list[tuple[str, str]]

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        account = session.login_data.decode() if isinstance(session.login_data, bytes) else session.login_data
        self.received.append((server.transport.get_extra_info("ssl_object") is not None, account))
        return "250 OK"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        assert isinstance(data, LoginPassword)
        self.logins.append((data.login.decode(), data.password.decode()))
        accepted = (data.login.decode(), data.password.decode()) == (USERNAME, PASSWORD)
        return AuthResult(success=accepted, handled=False, auth_data=data if accepted else None)


@pytest.fixture
def relay_start() -> Iterator[Any]:
    started: list[Controller] = []

    def start(**options: Any) -> tuple[Relay, int]:
        handler, port = Relay(received=[], logins=[]), free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port, authenticator=handler.authenticate,
                                **options)  # fmt: skip
        controller.start()
        started.append(controller)
        return handler, port

    yield start
    for controller in started:
        controller.stop()


def message() -> Outgoing:
    built = EmailMessage()
    built["From"] = "ne-pas-repondre@example.fr"
    built["To"] = "camille@example.fr"
    built["Subject"] = "Essai"
    built.set_content("Bonjour")
    return Outgoing(to="camille@example.fr", data=built.as_bytes())


def send(url: str, port: int) -> str:
    transport = SmtpTransport.from_url(url.format(port=port))
    transport.timeout = transport.exchange_timeout = 5.0
    return transport.send(message(), sender="b@example.fr")


def test_with_tls_1_the_message_goes_over_starttls_to_a_relay_that_requires_it_R_MAIL2(authorities, relay_start):
    relay, port = relay_start(tls_context=server_context(authorities, "trusted"), require_starttls=True)
    assert send("smtp://127.0.0.1:{port}?tls=1", port).startswith("250")
    assert relay.received == [(True, None)]


def test_without_tls_in_the_url_a_relay_that_requires_starttls_refuses_the_message(authorities, relay_start):
    relay, port = relay_start(tls_context=server_context(authorities, "trusted"), require_starttls=True)
    with pytest.raises(DeliveryFailed) as refused:
        send("smtp://127.0.0.1:{port}", port)
    assert refused.value.reply.startswith("530")
    assert relay.received == []


def test_smtps_speaks_tls_from_the_first_byte_R_MAIL2(authorities, relay_start):
    relay, port = relay_start(ssl_context=server_context(authorities, "trusted"))
    assert send("smtps://127.0.0.1:{port}", port).startswith("250")
    assert relay.received == [(True, None)]


@pytest.mark.parametrize(
    ("url", "tls"), [("smtp://127.0.0.1:{port}?tls=1", "tls_context"), ("smtps://127.0.0.1:{port}", "ssl_context")]
)
def test_a_relay_whose_certificate_no_trusted_authority_signed_gets_nothing_R_MAIL2(authorities, relay_start, url, tls):
    """The certificate is checked: a relay that anyone could impersonate never sees the message (nor the
    account's password)."""
    relay, port = relay_start(**{tls: server_context(authorities, "stranger")})
    with pytest.raises(DeliveryFailed) as refused:
        send(url, port)
    assert refused.value.reply.startswith("connexion impossible")
    assert "CERTIFICATE_VERIFY_FAILED" in refused.value.reply
    assert not refused.value.permanent
    assert relay.received == []


def test_the_account_of_the_url_signs_in_to_a_relay_that_requires_it_over_tls_R_MAIL2(authorities, relay_start):
    """The user name and password are those of the URL, percent-decoded (a password may hold `:`, `/`, `%`)."""
    relay, port = relay_start(tls_context=server_context(authorities, "trusted"), auth_required=True)
    url = "smtp://relais%40moncompte.example:mot%20de%20passe%3Aa%2F100%25@127.0.0.1:{port}?tls=1"
    assert send(url, port).startswith("250")
    assert relay.logins == [(USERNAME, PASSWORD)]
    assert relay.received == [(True, USERNAME)]


def test_a_wrong_password_is_a_permanent_refusal_and_the_message_is_not_sent_R_MAIL2(authorities, relay_start):
    relay, port = relay_start(tls_context=server_context(authorities, "trusted"), auth_required=True)
    with pytest.raises(DeliveryFailed) as refused:
        send("smtp://relais%40moncompte.example:autre@127.0.0.1:{port}?tls=1", port)
    assert refused.value.reply.startswith("535")
    assert refused.value.permanent
    assert set(relay.logins) == {(USERNAME, "autre")}  # smtplib tries each mechanism offered (PLAIN, LOGIN)
    assert relay.received == []


def test_without_an_account_in_the_url_a_relay_that_requires_one_refuses_the_message(authorities, relay_start):
    relay, port = relay_start(tls_context=server_context(authorities, "trusted"), auth_required=True)
    with pytest.raises(DeliveryFailed) as refused:
        send("smtp://127.0.0.1:{port}?tls=1", port)
    assert refused.value.reply.startswith("530")
    assert relay.logins == []
    assert relay.received == []
