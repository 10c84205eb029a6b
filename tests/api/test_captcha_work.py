"""R-CAP4, R-CAP6 through the app's API: POST /api/v1/captcha gives the proof-of-work challenge made for its
CAPTCHA challenge; a proof for another challenge, another client, replayed, forged, over-long or garbage gets a
problem document (RFC 9457, French detail), never a 500; a new key resets none of the client's or network's
limits."""

import base64
import json
from dataclasses import replace
from typing import Any, cast

import pytest
from altcha import v1 as altcha
from django.test import Client as HttpClient

from moncompte.captcha.challenges import challenge_answer
from moncompte.outbox.models import OutboundEmail

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("traveller")]
PERSON = {"nir": "2 84 05 88 321 025 32", "birth_date": "1984-05-03", "postal_code": "88100", "email": "c@example.fr"}


def post(path: str, body: dict[str, Any] | None = None, *, address: str = "203.0.113.7"):
    client = HttpClient(REMOTE_ADDR=address)
    answer = client.post(f"/api/v1{path}", body or {}, content_type="application/json")
    return answer.status_code, answer.json(), answer


def new_challenge(address: str = "203.0.113.7") -> dict[str, Any]:
    status, challenge, _ = post("/captcha", address=address)
    assert status == 200
    return cast(dict[str, Any], challenge)


def proof_of(work_json: str, **changes: object) -> str:
    work = json.loads(work_json)
    solution = altcha.solve_challenge(work["challenge"], work["salt"], work["algorithm"], work["maxNumber"])
    assert solution is not None
    fields = {k: work[k] for k in ("algorithm", "challenge", "salt", "signature")}
    return base64.b64encode(json.dumps({**fields, "number": solution.number, **changes}).encode()).decode()


def identity(challenge: dict[str, Any], work: str, *, address: str = "203.0.113.7"):
    answer = challenge_answer(challenge_id=challenge["id"])
    body = {**PERSON, "captcha_id": challenge["id"], "captcha_key": challenge["key"], "captcha_answer": answer}
    return post("/enrollment/identity", {**body, "captcha_work": work}, address=address)


def test_the_proof_made_for_the_challenge_opens_it_R_CAP6(beneficiary):
    challenge = new_challenge()
    status, sent, _ = identity(challenge, proof_of(challenge["work"]))
    assert status == 202, sent
    assert OutboundEmail.objects.filter(template="provisional_code").count() == 1


def assert_refused(status: int, problem: dict[str, Any], answer, *, code: str = "captcha_work_refused") -> None:
    assert status == 400
    assert answer["Content-Type"] == "application/problem+json"
    assert problem["code"] == code
    assert problem["detail"]  # French, for the app to show
    assert not OutboundEmail.objects.exists()


def test_a_proof_for_another_challenge_is_a_problem_R_CAP6(beneficiary):
    first, second = new_challenge(), new_challenge()
    assert_refused(*identity(second, proof_of(first["work"])))
    assert "vérification automatique" in identity(second, proof_of(first["work"]))[1]["detail"]


def test_a_proof_from_another_client_is_a_problem_R_CAP6(beneficiary):
    challenge = new_challenge("203.0.113.7")
    assert_refused(*identity(challenge, proof_of(challenge["work"]), address="198.51.100.9"))


def test_a_replayed_proof_is_a_problem_R_CAP6(beneficiary):
    challenge = new_challenge()
    work = proof_of(challenge["work"])
    body = {**PERSON, "captcha_id": challenge["id"], "captcha_key": challenge["key"], "captcha_answer": "ZZZZZZ"}
    assert post("/enrollment/identity", {**body, "captcha_work": work})[1]["code"] == "captcha_wrong"
    assert_refused(*identity(challenge, work))


@pytest.mark.parametrize(
    "work", ["garbage", "e30=", "%%%", "é", "\x00", "A" * 3000, "forged", "altered", "huge number"]
)
def test_a_bad_proof_is_a_problem_never_a_server_error_R_CAP6(beneficiary, work):
    challenge = new_challenge()
    work = {
        "forged": lambda: proof_of(challenge["work"], signature="0" * 64),
        "altered": lambda: proof_of(challenge["work"], challenge="f" * 64),
        "huge number": lambda: proof_of(challenge["work"], number=10**40),
    }.get(work, lambda: work)()
    assert_refused(*identity(challenge, work))


def test_a_proof_longer_than_the_document_allows_is_an_invalid_input_problem(beneficiary):
    challenge = new_challenge()
    status, problem, answer = identity(challenge, "A" * 5000)
    assert (status, problem["code"], problem["field"]) == (400, "invalid_input", "captcha_work")
    assert answer["Content-Type"] == "application/problem+json"


def test_a_new_key_resets_neither_the_client_s_nor_the_network_s_limit_R_CAP4(settings):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, captcha_new_per_client=3, captcha_new_per_network=5)
    for _ in range(3):
        new_challenge("203.0.113.7")  # each with a fresh key
    status, problem, answer = post("/captcha", address="203.0.113.7")
    assert (status, problem["code"]) == (429, "too_many_attempts")
    assert int(answer["Retry-After"]) > 0
    new_challenge("203.0.113.8")
    new_challenge("203.0.113.9")
    status, problem, _ = post("/captcha", address="203.0.113.10")  # the /24 has had its 5
    assert (status, problem["code"]) == (429, "too_many_attempts")
    new_challenge("198.51.100.7")


def test_wrong_answers_with_new_keys_are_limited_per_network_R_CAP4(beneficiary, settings):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, captcha_failures_per_network=2)
    for n in range(2):
        challenge = new_challenge(f"203.0.113.{n + 1}")
        body = {**PERSON, "captcha_id": challenge["id"], "captcha_key": challenge["key"], "captcha_answer": "ZZZZZZ"}
        assert post("/enrollment/identity", body, address=f"203.0.113.{n + 1}")[1]["code"] == "captcha_wrong"
    challenge = new_challenge("203.0.113.50")
    status, problem, _ = identity(challenge, proof_of(challenge["work"]), address="203.0.113.50")
    assert (status, problem["code"]) == (429, "too_many_attempts")


@pytest.mark.parametrize("work", [123, None, ["a"], {"number": 1}, True])
def test_a_proof_of_the_wrong_json_type_is_an_invalid_input_problem(beneficiary, work):
    challenge = new_challenge()
    answer = challenge_answer(challenge_id=challenge["id"])
    body = {**PERSON, "captcha_id": challenge["id"], "captcha_key": challenge["key"], "captcha_answer": answer}
    status, problem, answer = post("/enrollment/identity", {**body, "captcha_work": work})
    assert (status, problem["code"], problem["field"]) == (400, "invalid_input", "captcha_work")
    assert not OutboundEmail.objects.exists()
