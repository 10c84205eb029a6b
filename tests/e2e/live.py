"""A real `moncompte serve` (gunicorn, several processes) on the test's database, and a small HTTP client that
speaks for many client addresses as the reverse proxy would (X-Forwarded-For, X-Forwarded-Proto: https), for
the live scenarios of issue 21."""

import http.client
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings

from moncompte.outbox.sink import free_port
from tests.e2e.test_behind_nginx import wait_until_up
from tests.outbox.faults import database_url

MONCOMPTE = str(Path(sys.executable).with_name("moncompte"))


@contextmanager
def served(var_dir: Path, *, workers: int = 2) -> Iterator[int]:
    """The port of a `moncompte serve` with production settings on the test's database; the test speaks for
    many client addresses, as the reverse proxy on 127.0.0.1 would."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "SECRET_KEY": settings.SECRET_KEY,
        "MONCOMPTE_VAR_DIR": str(var_dir),
        "MONCOMPTE_TRUSTED_PROXIES": "127.0.0.1/32",
        "MONCOMPTE_SITE_URL": f"http://127.0.0.1:{port}",  # the emails' links lead to this server
        "MONCOMPTE_LOG_LEVEL": "WARNING",
    }
    for name in ("DEBUG", "MONCOMPTE_DEMO", "MONCOMPTE_INSECURE_COOKIES", "REDIS_URL", "EMAIL_URL"):
        env.pop(name, None)
    var_dir.mkdir(parents=True, exist_ok=True)
    with (var_dir / "serve.log").open("w") as log:
        command = [MONCOMPTE, "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
        server = subprocess.Popen(command, env=env, stdout=log, stderr=log)
        try:
            wait_until_up(f"http://127.0.0.1:{port}/sante/")
            yield port
        finally:
            server.terminate()
            server.wait(timeout=30)


@dataclass
class Visitor:
    """One client of the service: its address (as the proxy says it), its cookies (Secure ones included: the
    proxy's side is HTTPS), one connection per request."""

    port: int
    address: str
    user_agent: str = "Mozilla/5.0 (live test)"
    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, str]:
        sent = {
            "Host": f"127.0.0.1:{self.port}",
            "User-Agent": self.user_agent,
            "X-Forwarded-For": self.address,
            "X-Forwarded-Proto": "https",
            **(headers or {}),
        }
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=sent)
            answer = connection.getresponse()
            for header in answer.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            return answer.status, answer.read().decode(errors="replace")
        finally:
            connection.close()

    def form(self, path: str, fields: dict[str, str]) -> tuple[int, str]:
        """The page's form posted as a browser would: with the page's CSRF token, from the page's origin."""
        _, page = self.request("GET", path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token is not None, page[:500]
        body = urlencode({"csrfmiddlewaretoken": token[1], **fields}).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Origin": f"https://127.0.0.1:{self.port}"}
        return self.request("POST", path, body, headers)

    def api(self, method: str, path: str, token: str = "", **body: Any) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = json.dumps(body).encode() if method != "GET" else None
        status, text = self.request(method, f"/api/v1{path}", data, headers)
        try:
            return status, json.loads(text) if text else None
        except json.JSONDecodeError:  # an error page: the test says which
            return status, text[:300]
