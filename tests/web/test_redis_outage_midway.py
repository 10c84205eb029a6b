"""R-A11Y6, R-API1, R-LIM2: a store failing in the middle of a request, after the other has done its part, and a
Redis that answers but refuses writes. A code that could not be sent is not counted against the person; a Redis
whose memory is full is the service out, not a server error. The database is reached through a relay that dies
at the first command holding a given text (`Tripwire`), as a server stopping at that very moment."""

import dataclasses
import html
import json
import re
import socket
import subprocess
import threading
import time
from collections.abc import Iterator

import pytest
import redis
from django.db import connection
from django.test import Client as HttpClient
from django.urls import reverse

from moncompte.core.redis_cache import redis_cache_settings
from tests import factories
from tests.factories import PERSONAL_CODE
from tests.helpers import TEST_REDIS_URL
from tests.outbox.faults import DatabaseCable, _hang_up
from tests.web.test_database_outage import NIR
from tests.web.test_enrollment_pages import submit_identity

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


class Tripwire(DatabaseCable):
    """The cable, cut (and new connections refused) by the first command sent through it that holds `wire`, once
    armed: that command never reaches the server."""

    def __init__(self, *, host: str, port: int) -> None:
        self.wire = b""
        self.tripped = threading.Event()
        super().__init__(host=host, port=port)

    def arm(self, wire: bytes) -> None:
        self.wire = wire

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        towards_server = source.getsockname()[1] == self.port
        try:
            while data := source.recv(65536):
                if towards_server and self.wire and self.wire in data:
                    self.tripped.set()
                    self.cut()
                    return
                sink.sendall(data)
        except OSError:
            pass
        finally:
            _hang_up(source, sink)


@pytest.fixture
def full_redis(settings, tmp_path) -> Iterator[str]:
    """A Redis of its own that refuses every write (`-OOM command not allowed when used memory > 'maxmemory'`),
    as a Redis whose memory is full does: it answers, but stores nothing."""
    from moncompte.outbox.sink import free_port

    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    try:
        client = redis.Redis(port=port)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        url = f"redis://127.0.0.1:{port}/0"
        settings.REDIS_URL = url
        settings.CACHES = redis_cache_settings(url, timeout=settings.MONCOMPTE.redis_timeout)
        settings.SESSION_ENGINE = "moncompte.core.redis_sessions"
        yield url
    finally:
        server.terminate()
        server.wait()


def test_a_redis_that_refuses_writes_is_the_service_out_not_a_server_error_R_A11Y6_R_API1(full_redis, code_sent, now):
    factories.active(code_sent, now)
    browser = HttpClient(raise_request_exception=False)
    assert browser.post(reverse("web:sign_in"), {"nir": NIR, "code": PERSONAL_CODE}).status_code == 302
    redis.Redis.from_url(full_redis).config_set("maxmemory", 1)  # full: reads answer, writes are refused
    signed_in = {"nir": NIR, "code": PERSONAL_CODE}
    answers = {
        "identity page": browser.get(reverse("web:identity")).status_code,
        "sign-in form sent": browser.post(reverse("web:sign_in"), signed_in).status_code,
        "API sign-in": browser.post("/api/v1/sessions", signed_in, content_type="application/json").status_code,
    }
    # Not 500 « Le service rencontre un problème » / `server_error`: the form page, with its CAPTCHA said to
    # come back, as when Redis does not answer; the sign-in a 503 that keeps the NIR, the API's a 503 problem.
    assert answers == {"identity page": 200, "sign-in form sent": 503, "API sign-in": 503}


@pytest.mark.postgresql
def test_a_code_the_database_could_not_send_is_not_counted_against_the_person_R_A11Y6_R_LIM2(
    settings, client, beneficiary
):
    """The database drops the connection as the provisional code is written: the page keeps what was typed and
    asks to send it again; once the database is back, that is not refused as one code too many (Redis is up:
    the caps are counted there, before the transaction, and taken back when it fails)."""
    redis.Redis.from_url(TEST_REDIS_URL).flushdb()
    settings.REDIS_URL = TEST_REDIS_URL
    settings.MONCOMPTE = dataclasses.replace(settings.MONCOMPTE, code_max_sends_per_hour=1)
    client.raise_request_exception = False
    kept = dict(connection.settings_dict)
    wire = Tripwire(host=kept["HOST"] or "127.0.0.1", port=int(kept["PORT"] or 5432))
    try:
        connection.close()
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(wire.port))
        wire.arm(b'INSERT INTO "enrollment_provisionalcode"')
        answer = submit_identity(client)
        assert wire.tripped.is_set()
        assert answer.status_code == 503
        assert "Ce que vous avez saisi est conservé" in html.unescape(answer.content.decode())
        wire.arm(b"")
        wire.mend()
        connection.close_if_unusable_or_obsolete()
        again = submit_identity(client)
        summary = html.unescape(again.content.decode()).partition('class="error-summary"')[2].partition("</ul>")[0]
        assert again.status_code == 302, re.sub(r"<[^>]+>|\s+", " ", summary)  # not « … codes … »
    finally:
        connection.close()
        connection.settings_dict.update(kept)
        wire.close()


def test_a_redis_that_refuses_writes_makes_the_service_not_ready_R_A11Y6(full_redis, client):
    """PING still answers: the readiness check writes, so a load balancer stops sending people to a 503."""
    from moncompte.web import health

    health._redis_client.cache_clear()
    try:
        assert client.get("/sante/pret/").status_code == 200
        redis.Redis.from_url(full_redis).config_set("maxmemory", 1)
        health.readiness_forget()  # each process checks at most once a second
        response = client.get("/sante/pret/")
    finally:
        health._redis_client.cache_clear()
        health.readiness_forget()
    assert response.status_code == 503
    assert json.loads(response.content)["verifications"]["redis"] == "refuse d'écrire : OutOfMemoryError"
