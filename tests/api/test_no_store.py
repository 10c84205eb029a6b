"""R-SEC2 (issue 23, point 2): every answer under /api/ says `Cache-Control: no-store` — tokens (RFC 6749 §5.1),
personal data, messages, CAPTCHA pictures and problems alike — so that no cache on the way keeps one."""

import pytest
from django.test import Client as HttpClient

from moncompte.enrollment.email_links import email_confirm
from moncompte.messaging.services import Scope, credential_create
from tests import factories
from tests.api.test_sessions import NIR
from tests.factories import PERSONAL_CODE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("traveller")]


def test_every_answer_under_the_api_says_no_store_R_SEC2(code_sent, now):
    app, answers = HttpClient(), {}

    def keep(label, answer):
        answers[label] = answer
        return answer.json() if "json" in answer.get("Content-Type", "") and answer.content else None

    def post(label, path, token="", **body):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return keep(label, app.post(f"/api/v1{path}", body, content_type="application/json", headers=headers))

    def get(label, path, token=""):
        return keep(label, app.get(f"/api/v1{path}", headers={"Authorization": f"Bearer {token}"} if token else {}))

    challenge = post("POST /captcha", "/captcha")
    get("GET image", f"/captcha/{challenge['id']}/image.png")
    get("GET audio", f"/captcha/{challenge['id']}/audio.wav")
    captcha = {"captcha_id": challenge["id"], "captcha_key": challenge["key"]}
    post("POST /code-forgot (refused)", "/code-forgot", nir=NIR, birth_date="31/02/1984", **captcha, captcha_answer="x")
    restricted = post("POST /sessions (provisional code)", "/sessions", nir=NIR, code=code_sent.clear)
    pair = post("POST /personal-code", "/personal-code", restricted["access_token"], password=PERSONAL_CODE,
                confirmation=PERSONAL_CODE)  # fmt: skip
    pair = post("POST /sessions/refresh", "/sessions/refresh", refresh_token=pair["refresh_token"])
    get("GET /account (not yet active: 403)", "/account", pair["access_token"])
    get("GET /sessions", "/sessions", pair["access_token"])
    contact = {"email": "camille@example.fr", "email_confirmation": "camille@example.fr", "consent_email": True}
    post("POST /enrollment/contact", "/enrollment/contact", pair["access_token"], **contact)
    email_confirm(token=factories.last_link_token("camille@example.fr"), client=factories.CLIENT, now=now)
    signed = post("POST /sessions (personal code)", "/sessions", nir=NIR, code=PERSONAL_CODE)
    get("GET /account", "/account", signed["access_token"])
    get("GET /messages", "/messages", signed["access_token"])
    get("GET /account without a token (401)", "/account")
    get("GET /openapi.json", "/openapi.json")
    get("GET an unknown address (404)", "/nulle-part")
    keep("PUT /sessions (405)", app.put("/api/v1/sessions"))
    token = credential_create(service="CPAM des Vosges", scopes=[Scope.POST], now=now).token
    letter = {"idempotency_key": "cpam88-2026-03-02-001", "subject": "Objet", "body": "Bonjour.", "nirs": [NIR]}
    keep(
        "POST internal /messages",
        app.post(
            "/api/interne/v1/messages", letter, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
        ),
    )
    statuses = {label: answer.status_code for label, answer in answers.items()}
    assert statuses["POST /personal-code"] == statuses["GET /account"] == statuses["POST internal /messages"] == 200
    assert {statuses["GET image"], statuses["GET audio"]} == {200}
    assert {label: answer.get("Cache-Control") for label, answer in answers.items()} == dict.fromkeys(
        answers, "no-store"
    )
