"""Issue 14: the service in production shape — Debian's nginx with deploy/nginx/moncompte.conf (a self-signed
certificate, its ports and paths rewritten for the test) in front of a real `moncompte serve` with production
settings — and the journey in Chromium over HTTPS.

What must hold behind the proxy: cookies Secure and HSTS as the browser receives them; the client address the
limits and the audit log see is the browser's, not nginx's (nginx talks to the service from 127.0.0.3, the
only trusted proxy); the links in emails use the public HTTPS address; the access log holds no link token.
"""

import getpass
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page, Response, expect

from moncompte.audit.models import AuditEvent
from moncompte.outbox.sink import free_port
from tests.e2e.helpers import wait_for_mail
from tests.e2e.journey import EMAIL, PERSONAL_CODE, choose_personal_code, get_provisional_code, sign_in
from tests.outbox.faults import database_url

pytestmark = pytest.mark.chromium

ROOT = Path(__file__).resolve().parents[2]
MONCOMPTE = str(Path(sys.executable).with_name("moncompte"))
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PROXY_ADDRESS = "127.0.0.3"  # nginx's side of the connection to the service


@dataclass
class Public:
    """What the journey helpers need of a server: its public address."""

    url: str


def nginx_config(*, tmp: Path, https_port: int, http_port: int, upstream_port: int, static: Path) -> str:
    """deploy/nginx/moncompte.conf, as an operator would install it, with this test's ports, paths and names."""
    site = (ROOT / "deploy" / "nginx" / "moncompte.conf").read_text()
    replacements = {
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "listen [::]:443 ssl http2;": "",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen [::]:80;": "",
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{upstream_port};",
        "/etc/ssl/moncompte/": f"{tmp}/",
        "/var/log/nginx/": f"{tmp}/",
        "alias /var/lib/moncompte/static/;": f"alias {static}/;",
        "proxy_pass http://moncompte_web;": f"proxy_pass http://moncompte_web;\n        proxy_bind {PROXY_ADDRESS};",
    }
    for old, new in replacements.items():
        assert old in site, f"deploy/nginx/moncompte.conf no longer holds « {old} »"
        site = site.replace(old, new)
    temp = " ".join(f"{kind}_temp_path {tmp}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (
        f"user {getpass.getuser()};\nworker_processes 1;\npid {tmp}/nginx.pid;\nerror_log {tmp}/nginx.error.log;\n"
        f"events {{ worker_connections 256; }}\n"
        f"http {{\n include /etc/nginx/mime.types;\n {temp}\n{site}\n}}\n"
    )


def self_signed(tmp: Path) -> None:
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(tmp / "privkey.pem"), "-out", str(tmp / "fullchain.pem")],
        check=True,
        capture_output=True,
    )  # fmt: skip


def wait_until_up(url: str, seconds: float = 90) -> None:
    """Waits for a server just started: `moncompte serve` took 25–30 s to answer on two cores at a load of 6."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).close()  # noqa: S310 - http://127.0.0.1 only
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer")


def wait_until_listening(port: int, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on {port}")


@pytest.fixture
def behind_nginx(tmp_path: Path, smtp_sink, transactional_db) -> Iterator[tuple[Public, Path, Path]]:
    """(public address, maildir, nginx access log) of the service served as deploy/ describes."""
    assert Path(NGINX).exists(), "nginx est nécessaire : apt-get install nginx-light (.ci/run l'installe)"
    controller, maildir = smtp_sink
    https_port, http_port, upstream_port = free_port(), free_port(), free_port()
    public = Public(f"https://127.0.0.1:{https_port}")
    var = tmp_path / "var"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "SECRET_KEY": settings.SECRET_KEY,  # the test derives CAPTCHA answers with it
        "MONCOMPTE_VAR_DIR": str(var),
        "MONCOMPTE_SITE_URL": public.url,
        "MONCOMPTE_TRUSTED_PROXIES": f"{PROXY_ADDRESS}/32",
        "EMAIL_URL": f"smtp://{controller.hostname}:{controller.port}",
        "MONCOMPTE_LOG_LEVEL": "WARNING",
    }
    for name in ("DEBUG", "MONCOMPTE_DEMO", "MONCOMPTE_INSECURE_COOKIES", "REDIS_URL"):
        env.pop(name, None)
    subprocess.run([MONCOMPTE, "collectstatic", "--noinput", "-v0"], env=env, check=True)
    self_signed(tmp_path)
    config = tmp_path / "nginx.conf"
    config.write_text(
        nginx_config(
            tmp=tmp_path, https_port=https_port, http_port=http_port, upstream_port=upstream_port, static=var / "static"
        )
    )
    log = (tmp_path / "processes.log").open("w")
    processes = [
        subprocess.Popen(
            [MONCOMPTE, "serve", "--bind", f"127.0.0.1:{upstream_port}", "--workers", "2"],
            env=env,
            stdout=log,
            stderr=log,
        ),
        subprocess.Popen([MONCOMPTE, "worker"], env=env, stdout=log, stderr=log),
    ]
    subprocess.run([NGINX, "-t", "-q", "-c", str(config)], check=True)
    nginx = subprocess.Popen([NGINX, "-c", str(config), "-g", "daemon off;"], stdout=log, stderr=log)
    try:
        wait_until_up(f"http://127.0.0.1:{upstream_port}/sante/")
        wait_until_listening(https_port)
        yield public, maildir, tmp_path / "moncompte.access.log"
    finally:
        for process in [nginx, *processes]:
            process.terminate()
        for process in [nginx, *processes]:
            process.wait(timeout=30)
        log.close()


@pytest.fixture
def tls_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="fr-FR", ignore_https_errors=True)  # the test's own certificate
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_the_journey_over_https_through_nginx(tls_page: Page, behind_nginx, camille):
    public, maildir, access_log = behind_nginx
    page = tls_page
    seen: dict[str, dict[str, str]] = {}

    def keep_headers(response: Response) -> None:
        seen.setdefault(response.url.split("?")[0], response.all_headers())

    page.on("response", keep_headers)

    code = get_provisional_code(page, public, maildir)
    assert page.url.startswith(public.url)
    assert page.evaluate("performance.getEntriesByType('navigation')[0].nextHopProtocol") == "h2"  # HTTP/2

    # The limits and the audit log see the browser (127.0.0.1), not nginx (127.0.0.3): R-LIM1.
    sent = AuditEvent.objects.get(event="provisional_code_sent")
    assert sent.client_address == "127.0.0.1"

    # Secure cookies, HSTS on pages, long-lived versioned static files: as the browser received them.
    cookies = {cookie["name"]: cookie for cookie in page.context.cookies()}
    assert cookies["sessionid"]["secure"]
    assert cookies["csrftoken"]["secure"]
    assert cookies["sessionid"]["httpOnly"]
    assert seen[public.url + "/creer-un-compte/"]["strict-transport-security"].startswith("max-age=31536000")
    css = seen[public.url + "/static/web/site.css"]
    assert "immutable" in css["cache-control"]

    sign_in(page, public, code)
    choose_personal_code(page)
    page.get_by_label("Saisissez votre adresse email").fill(EMAIL)
    page.get_by_label("Je confirme mon adresse email").fill(EMAIL)
    page.locator("input[name=consent_email][value=non]").check()
    page.get_by_role("button", name="Valider mes coordonnées").click()
    expect(page.get_by_role("heading", name="VALIDATION DE MON EMAIL")).to_be_visible()

    # The link in the email is the public HTTPS address, and it works through the proxy.
    mail = wait_for_mail(maildir, to=EMAIL, count=2)
    found = re.search(r"(https://\S+/email/([\w-]+)/)", mail.text)
    assert found, mail.text
    link, token = found[1], found[2]
    assert link.startswith(public.url + "/email/")
    page.goto(link)  # confirmed on arrival (the page posts itself, through nginx and its CSRF check)
    expect(page.get_by_role("heading", name="Votre adresse email est confirmée")).to_be_visible()

    sign_in(page, public, PERSONAL_CODE)
    expect(page.get_by_role("heading", name="Mon compte")).to_be_visible()

    logged = access_log.read_text()
    assert "/email/[jeton]/" in logged
    assert token not in logged  # R-SEC3
    assert "/sante/" not in logged
