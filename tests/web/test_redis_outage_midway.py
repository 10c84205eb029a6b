"""R-A11Y6, R-API1, R-LIM2: a store failing in the middle of a request, after the other has done its part, and a
Redis that answers but refuses writes. A code that could not be sent is not counted against the person; a Redis
whose memory is full is the service out, not a server error; a provisional code used up by a sign-in whose session
Redis could not keep is given back. The database is reached through a relay that dies
at the first command holding a given text (`Tripwire`), as a server stopping at that very moment."""

import dataclasses
import html
import json
import re
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
import redis
from django.db import connection
from django.test import Client as HttpClient
from django.urls import reverse

from moncompte.accounts.models import Account
from moncompte.audit.models import AuditEvent
from moncompte.core.redis_cache import redis_cache_settings
from moncompte.enrollment.models import ProvisionalCode
from moncompte.enrollment.provisional_codes import provisional_code_give_back
from moncompte.enrollment.queries import provisional_code_use
from tests import factories
from tests.factories import PERSONAL_CODE
from tests.helpers import TEST_REDIS_URL, code_sent_at
from tests.outbox.faults import DatabaseCable
from tests.web.test_database_outage import NIR
from tests.web.test_enrollment_pages import submit_identity
from tests.web.test_redis_outage import redis_relayed

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


class Tripwire(DatabaseCable):
    """The cable, cut (and new connections refused) by the first command sent through it that holds `wire`, once
    armed: that command never reaches the server."""

    def __init__(self, *, host: str, port: int) -> None:
        self.wire: tuple[bytes, ...] = ()
        self.tripped = threading.Event()
        super().__init__(host=host, port=port)

    def arm(self, *wire: bytes) -> None:
        """Trips on the first command holding every one of `wire`; none disarms."""
        self.wire = wire

    def _carry(self, data: bytes, *, towards_server: bool) -> bool:
        if towards_server and self.wire and all(part in data for part in self.wire):
            self.tripped.set()
            self.cut()
            return False
        return True


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
        wire.arm()
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


@pytest.fixture
def redis_wire(settings) -> Iterator[Tripwire]:
    """The service's Redis reached through a tripwire."""
    yield from redis_relayed(settings, Tripwire)


# F1: a provisional code is used up by the sign-in it opens a session for (R-CODE2, single use); if Redis goes out
# after that use and before the session is kept, the answer is the 503 of R-A11Y6 and the code is given back: the
# person sends it again once the service is back, instead of finding « Ce code provisoire a déjà servi » with
# « Code oublié ? » as the only way on. What the sign-in sends Redis once the code is used up: its attempts cleared
# (the success), then the session, written with the response (Django's cache sessions: a key of this prefix).
ATTEMPTS_CLEARED = (b"\r\nDEL\r\n", b"throttle:sign_in_attempt")
SESSION_WRITTEN = (b"\r\nSET\r\n", b"django.contrib.sessions.cache")


@pytest.mark.parametrize("cut_on", [ATTEMPTS_CLEARED, SESSION_WRITTEN], ids=["attempts cleared", "session written"])
def test_a_provisional_code_used_up_as_redis_goes_out_is_given_back_and_works_once_it_is_back_R_CODE2_R_A11Y6(
    redis_wire, code_sent, traveller, cut_on
):
    browser = HttpClient(raise_request_exception=False)
    redis_wire.arm(*cut_on)
    answer = browser.post(reverse("web:sign_in"), {"nir": NIR, "code": code_sent.clear})
    # The sign-in page with its form kept, or the generic page when the session's write fails after the view.
    assert (answer.status_code, answer["Retry-After"]) == (503, "30")
    assert redis_wire.tripped.is_set()  # the cut came at that very request, after the code's use
    assert ProvisionalCode.objects.get().used_at is None
    given_back = AuditEvent.objects.filter(event="authn_code_given_back")
    assert list(given_back.values_list("account_id", flat=True)) == [code_sent.sent.account_id]  # on its account

    redis_wire.arm()
    redis_wire.mend()
    answer = browser.post(reverse("web:sign_in"), {"nir": NIR, "code": code_sent.clear})
    assert (answer.status_code, answer["Location"]) == (302, reverse("web:choose_password"))
    assert browser.get(reverse("web:choose_password")).status_code == 200
    assert ProvisionalCode.objects.get().used_at is not None
    assert browser.post(reverse("web:sign_out")).status_code == 302
    again = HttpClient().post(reverse("web:sign_in"), {"nir": NIR, "code": code_sent.clear})
    assert "Ce code provisoire a déjà servi" in again.content.decode()  # used once the session was kept: single use


def test_the_app_s_sign_in_gives_its_provisional_code_back_when_redis_goes_out_after_its_use_R_CODE2_R_API1(
    redis_wire, code_sent, traveller
):
    app = HttpClient(raise_request_exception=False)
    redis_wire.arm(*ATTEMPTS_CLEARED)
    body = {"nir": NIR, "code": code_sent.clear, "device_name": "Pixel"}
    answer = app.post("/api/v1/sessions", body, content_type="application/json")
    assert (answer.status_code, answer.json()["code"]) == (503, "service_unavailable")
    assert ProvisionalCode.objects.get().used_at is None
    given_back = AuditEvent.objects.filter(event="authn_code_given_back")
    assert list(given_back.values_list("account_id", flat=True)) == [code_sent.sent.account_id]

    redis_wire.arm()
    redis_wire.mend()
    answer = app.post("/api/v1/sessions", body, content_type="application/json")
    assert (answer.status_code, answer.json()["scope"]) == (200, "choose_personal_code")


def test_a_late_give_back_never_undoes_a_later_use_of_the_code_R_CODE2(code_sent, now):
    """Given back once (the first sign-in's session lost), then used again by the retry: the first request's give
    back, were it to run again, finds the code used at another moment and leaves it used."""
    code = ProvisionalCode.objects.get()
    epoch = Account.objects.get(pk=code.account_id).session_epoch
    assert provisional_code_use(code_id=code.pk, now=now)
    assert provisional_code_give_back(code_id=code.pk, used_at=now, account_id=code.account_id, session_epoch=epoch)
    retried = now + timedelta(seconds=5)
    assert provisional_code_use(code_id=code.pk, now=retried)
    assert not provisional_code_give_back(code_id=code.pk, used_at=now, account_id=code.account_id, session_epoch=epoch)
    assert ProvisionalCode.objects.get().used_at == retried
    given_back = AuditEvent.objects.filter(event="authn_code_given_back")
    assert list(given_back.values_list("account_id", flat=True)) == [code.account_id]


def test_a_code_is_not_given_back_once_a_personal_code_was_chosen_since_R_CODE2(beneficiary, client_info, now):
    """Two codes live (R-CODE2); a sign-in uses the first and stalls on Redis; meanwhile the person, signed in with
    the second, chooses a personal code, which voids the codes left: the first, used, was not among them. Its give
    back must not bring it to life again."""
    first = code_sent_at(beneficiary, client_info, now)
    second = code_sent_at(beneficiary, client_info, now)
    used = ProvisionalCode.objects.order_by("id").first()
    assert used is not None
    epoch = Account.objects.get(pk=used.account_id).session_epoch
    assert provisional_code_use(code_id=used.pk, now=now)  # the stalled sign-in's use of the first code
    factories.with_personal_code(second, now)
    assert not provisional_code_give_back(code_id=used.pk, used_at=now, account_id=used.account_id, session_epoch=epoch)
    assert ProvisionalCode.objects.get(pk=used.pk).used_at == now
    assert first.clear != second.clear
