"""Issue 8: what the server says of itself, and what it keeps in its logs."""

import logging
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from moncompte.outbox.sink import free_port
from moncompte.web.gunicorn_conf import redacted
from tests.e2e.test_behind_nginx import wait_until_up

pytestmark = pytest.mark.django_db
MONCOMPTE = str(Path(sys.executable).with_name("moncompte"))


def test_hsts_is_sent_outside_development(client):
    response = client.get(reverse("web:home"), secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_every_response_carries_a_request_id(client):
    assert len(client.get(reverse("web:home"))["X-Request-Id"]) == 12


def test_a_server_error_is_logged_with_its_request_id(settings, caplog):
    settings.ROOT_URLCONF = "tests.security.errors_urls"
    browser = HttpClient(raise_request_exception=False)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = browser.get("/panne/")
    assert response.status_code == 500
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.exc_info is not None
    assert getattr(record, "request_id", "-") == response["X-Request-Id"]


@pytest.mark.parametrize("charset", ["latin-1", "utf-16"])
@pytest.mark.parametrize("name", ["web:sign_in", "web:identity", "web:code_forgot", "web:captcha_new", "web:sign_out"])
def test_a_form_posted_in_another_charset_never_gives_a_server_error(charset, name):
    browser = HttpClient(enforce_csrf_checks=True, raise_request_exception=False)
    body = "nir=é&code=ß"  # the test client encodes it in the charset named
    response = browser.post(reverse(name), body, content_type=f"application/x-www-form-urlencoded; charset={charset}")
    assert response.status_code in (400, 403)


def test_a_huge_nir_is_refused_and_not_shown_again(client):
    page = client.post(reverse("web:sign_in"), {"nir": "1" * 1_000_000, "code": "x"}).content.decode()
    assert "comporte 13 ou 15 caractères" in page
    assert "1" * 100 not in page


def test_the_access_log_never_holds_a_link_token():
    assert redacted('"POST /email/AbCd-secret_token-12/ HTTP/1.1"') == '"POST /email/[jeton]/ HTTP/1.1"'
    assert redacted("/email/AbCd-secret_token-12") == "/email/[jeton]"


def test_the_server_header_names_no_software(tmp_path):
    port = free_port()
    env = {"SECRET_KEY": "k" * 50, "MONCOMPTE_VAR_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    server = subprocess.Popen([MONCOMPTE, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"], env=env)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/") as response:
            headers = response.headers
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert headers["Server"] == "moncompte"
