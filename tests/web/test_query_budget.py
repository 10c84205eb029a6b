"""What each step of the journey costs the database: a budget per step, so a change that adds a round trip fails
here rather than in a load benchmark (issue 13; bench/journey_bench.py measures the CPU)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from moncompte.outbox.models import OutboundEmail
from tests.factories import PERSONAL_CODE
from tests.helpers import clear_code_of, shown_challenge

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("traveller")]

NIR = "2 84 05 88 321 025 32"
EMAIL = "camille@example.fr"


def journey_queries(client) -> dict[str, list[str]]:
    queries: dict[str, list[str]] = {}

    def step(name, method, path, data=None, expect=200):
        with CaptureQueriesContext(connection) as captured:
            response = getattr(client, method)(path, data) if data is not None else getattr(client, method)(path)
        assert response.status_code == expect, (name, response.status_code)
        queries[name] = [query["sql"] for query in captured.captured_queries]
        return response

    page = step("GET identity", "get", reverse("web:identity")).content.decode()
    challenge = shown_challenge(re.search(r'name="captcha_id" value="([^"]+)"', page)[1])
    identity = {"nir": NIR, "birth_date": "03/05/1984", "postal_code": "88100", "email": EMAIL}
    captcha = {"captcha_id": challenge.id, "captcha_answer": challenge.answer}
    step("POST identity", "post", reverse("web:identity"), {**identity, **captcha}, 302)
    code = clear_code_of(OutboundEmail.objects.filter(template="provisional_code").latest("id").body_text)
    step("GET sign-in", "get", reverse("web:sign_in"))
    step("POST sign-in (provisional code)", "post", reverse("web:sign_in"), {"nir": NIR, "code": code}, 302)
    step("GET personal code", "get", reverse("web:choose_password"))
    codes = {"password": PERSONAL_CODE, "confirmation": PERSONAL_CODE}
    step("POST personal code", "post", reverse("web:choose_password"), codes, 302)
    step("GET contact", "get", reverse("web:contact"))
    contact = {"email": EMAIL, "email_confirmation": EMAIL, "consent_email": "non"}
    step("POST contact", "post", reverse("web:contact"), contact, 302)
    body = OutboundEmail.objects.filter(template="email_confirmation").latest("id").body_text
    link = re.search(r"(/email/[\w-]+/)", body)[1]
    step("GET link", "get", link)
    step("POST confirm", "post", link, {"action": "confirm"})
    step("GET sign-in again", "get", reverse("web:sign_in"))
    step("POST sign-in (personal code)", "post", reverse("web:sign_in"), {"nir": NIR, "code": PERSONAL_CODE}, 302)
    step("GET account page", "get", reverse("web:account"))
    return queries


def test_print(client, beneficiary):
    queries = journey_queries(client)
    for name, sqls in queries.items():
        print(f"{len(sqls):3d} {name}")
        for sql in sqls:
            print("      ", sql[:160])
    print(sum(len(s) for s in queries.values()))
