"""Issue 23: the app's OpenAPI document is one an app developer outside the project can work from — every operation
summarised and described in French, every member and parameter described in French, the allowed values as enums,
an example of every request body and answer that the document itself accepts, no internal rule ID shown; the
examples are real (their inputs pass the domain's rules, the proof of work solves its challenge), and the proof of
work computed as the document describes it, with nothing but hashlib, opens the identity step."""

import base64
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from typing import Any

import jsonschema_rs
import pytest
from django.test import Client as HttpClient

from moncompte.accounts import inputs
from moncompte.accounts.inputs import inputs_read
from moncompte.accounts.models import ConsentChannel
from moncompte.accounts.password_policy import check
from moncompte.accounts.steps import AccountStep
from moncompte.api import examples
from moncompte.api.app import api
from moncompte.captcha.challenges import challenge_answer
from moncompte.outbox.models import OutboundEmail

FRENCH = {"le", "la", "les", "l", "un", "une", "des", "du", "de", "d", "à", "au", "aux", "et", "ou", "en", "son", "sa"}
FRENCH |= {"ses", "se", "sur", "par", "pour", "avec", "sans", "qui", "que", "qu", "est", "ne", "pas", "n", "ce", "s"}
FRENCH |= {"mon", "ma", "mes", "votre", "vos", "il", "elle", "cette", "quand", "sinon", "tant", "dans"}
ENGLISH = {"the", "of", "and", "with", "is", "are", "to", "for", "when", "which", "this", "that", "from", "by", "it"}
ENGLISH |= {"its", "be", "not", "only", "each", "every", "new", "has", "have", "was", "will", "can", "must", "given"}
NIR, BIRTH_DATE = "2840588321025", date(1984, 5, 3)  # the examples' person, as the registry has her
RULE_ID = re.compile(r"\bR-[A-Z][A-Z0-9]*")
# Which domain inputs read each operation's body (api/journey.py, api/sessions.py, api/account.py).
STEPS = {
    "identity_submit": inputs.IDENTITY,
    "sessions_open": inputs.SIGN_IN,
    "personal_code_choose": inputs.PERSONAL_CODE,
    "contact_details_submit": inputs.CONTACT,
    "email_replace": inputs.OTHER_EMAIL,
    "phones_put": inputs.PHONES_CHANGE,
    "email_change": inputs.EMAIL_CHANGE,
    "personal_code_change": inputs.PASSWORD_CHANGE,
    "code_forgot_request": inputs.CODE_FORGOT,
}


def document() -> dict[str, Any]:
    answer = HttpClient().get("/api/v1/openapi.json")
    assert answer.status_code == 200
    return dict(answer.json())


def operations(doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, methods in doc["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def is_french(text: str) -> bool:
    """Some French words and no English ones, outside `code` spans (member names, values, paths)."""
    words = set(re.findall(r"[a-zàâäçéèêëîïôöûùüÿœæ]+", re.sub(r"`[^`]*`", " ", text).lower()))
    return bool(words & FRENCH) and not words & ENGLISH


def properties(doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, schema in doc["components"]["schemas"].items():
        for member, shape in schema.get("properties", {}).items():
            yield f"{name}.{member}", shape


def accepts(doc: dict[str, Any], schema: dict[str, Any], value: Any) -> list[str]:
    """What the document's schema says is wrong with `value` (its $refs read in the document's components)."""
    validator = jsonschema_rs.Draft202012Validator({**schema, "components": doc["components"]})
    return [error.message for error in validator.iter_errors(value)]


def test_the_french_checks_tell_french_from_english_and_find_rule_ids():
    assert is_french("Choisir son code personnel")
    assert is_french("true tant que le message n'a pas été ouvert.")
    assert not is_french("Sessions Open")
    assert not is_french("The box, newest first, a page at a time (`has_next` says whether an older page exists).")
    assert not is_french("le code of the person")
    for rule_ids in ("R-EM6, R-EM7: the link", "(R-A11Y6)", "R-EM*"):
        assert RULE_ID.search(rule_ids)
    assert not RULE_ID.search("Un NIR-2A, PR-2 ou R-2")


@pytest.mark.django_db
def test_every_operation_has_a_french_summary_and_description_R_API3():
    doc = document()
    assert len(list(operations(doc))) >= 21
    for label, operation in operations(doc):
        assert is_french(operation.get("summary", "")), (label, operation.get("summary"))
        assert is_french(operation.get("description", "")), (label, operation.get("description"))
        for status, answer in operation["responses"].items():
            if status.startswith("2"):
                assert is_french(answer["description"]), (label, status, answer["description"])
    assert is_french(doc["info"]["description"])
    assert all(is_french(tag["description"]) for tag in doc["tags"])
    assert all(is_french(scheme["description"]) for scheme in doc["components"]["securitySchemes"].values())


@pytest.mark.django_db
def test_every_schema_its_members_and_every_parameter_are_described_in_french_R_API3():
    doc = document()
    described = list(properties(doc))
    assert len(described) >= 80
    for name, shape in described:
        assert is_french(shape.get("description", "")), (name, shape.get("description"))
    for name, schema in doc["components"]["schemas"].items():
        assert is_french(schema.get("description", "")), (name, schema.get("description"))
    for label, operation in operations(doc):
        for parameter in operation.get("parameters", []):
            assert is_french(parameter.get("description", "")), (label, parameter["name"])


@pytest.mark.django_db
def test_no_internal_rule_id_is_shown_to_the_developer_R_API3():
    text = json.dumps(document(), ensure_ascii=False)
    assert RULE_ID.findall(text) == []


@pytest.mark.django_db
def test_the_allowed_values_are_enums_in_the_document_R_API3():
    schemas = document()["components"]["schemas"]
    step = schemas["TokensAndStepOut"]["properties"]
    assert step["next_step"]["enum"] == [each.value for each in AccountStep]
    assert set(step["scope"]["enum"]) == {"choose_personal_code", "account"}
    assert step["token_type"]["const"] == "Bearer"
    assert schemas["ConsentOut"]["properties"]["channel"]["enum"] == [each.value for each in ConsentChannel]
    assert {"type": "boolean"} in schemas["ConsentOut"]["properties"]["granted"]["anyOf"]
    assert schemas["ConsentIn"]["properties"]["granted"]["type"] == "boolean"


@pytest.mark.django_db
def test_every_request_body_and_every_answer_has_an_example_the_document_accepts_R_API3():
    """Named examples of each request body; an example of each success answer; any example of a refusal valid,
    and the problem's own schema with one."""
    doc = document()
    for label, operation in operations(doc):
        if "requestBody" in operation:
            media = operation["requestBody"]["content"]["application/json"]
            assert media.get("examples"), label
            for name, example in media["examples"].items():
                assert is_french(example["summary"]), (label, name)
                assert accepts(doc, media["schema"], example["value"]) == [], (label, name)
        for status, answer in operation["responses"].items():
            for kind, media in answer.get("content", {}).items():
                if "json" not in kind:
                    continue
                assert "example" in media or not status.startswith("2"), (label, status)
                for example in [media["example"]] if "example" in media else []:
                    assert accepts(doc, media["schema"], example) == [], (label, status)
    problem = doc["components"]["schemas"]["Problem"]
    assert problem["examples"]
    assert all(accepts(doc, problem, example) == [] for example in problem["examples"])


@pytest.mark.django_db
def test_a_wrong_example_would_be_refused_by_the_document_R_API3():
    """The check above can fail: the document refuses an example of the wrong shape or value."""
    doc = document()
    schema = {"$ref": "#/components/schemas/TokensAndStepOut"}
    assert accepts(doc, schema, examples.SIGNED_IN) == []
    assert accepts(doc, schema, {**examples.SIGNED_IN, "next_step": "somewhere"}) != []
    assert accepts(doc, schema, {**examples.SIGNED_IN, "expires_in": "900"}) != []


@pytest.mark.django_db
def test_the_typed_inputs_of_every_example_pass_the_domain_s_rules_R_API3(traveller):
    """An example a developer copies is not refused: NIR and key, birth date, postal code, addresses, phone numbers,
    consents, and a personal code that keeps the rules for the example's person."""
    doc = document()
    bodies = {
        operation["operationId"]: operation["requestBody"]["content"]["application/json"]["examples"]
        for _, operation in operations(doc)
        if "requestBody" in operation
    }
    assert set(bodies) - set(STEPS) == {"sessions_refresh", "consent_put", "email_confirm"}  # no typed input in those
    for name, step in STEPS.items():
        for example in bodies[name].values():
            values = inputs_read(step, example["value"])
            if "password" in values:
                password, confirmation = values["password"], values["confirmation"]
                assert check(password=password, confirmation=confirmation, nir=NIR, birth_date=BIRTH_DATE) == []


def solve(work_json: str) -> str:
    """The proof of work, computed as the document's `captcha_work` says, with nothing but the standard library."""
    work = json.loads(work_json)
    number = next(
        n
        for n in range(work["maxNumber"] + 1)
        if hashlib.sha256(f"{work['salt']}{n}".encode()).hexdigest() == work["challenge"]
    )
    solution = {name: work[name] for name in ("algorithm", "challenge", "salt", "signature")} | {"number": number}
    return base64.b64encode(json.dumps(solution).encode()).decode()


def test_the_example_proof_of_work_solves_the_example_challenge_R_CAP6_R_API3():
    proof = json.loads(base64.b64decode(examples.PROOF, validate=True))
    work = json.loads(examples.WORK)
    assert set(proof) == {"algorithm", "challenge", "number", "salt", "signature"}
    assert {name: proof[name] for name in ("algorithm", "challenge", "salt", "signature")} == {
        name: work[name] for name in ("algorithm", "challenge", "salt", "signature")
    }
    assert hashlib.sha256(f"{proof['salt']}{proof['number']}".encode()).hexdigest() == work["challenge"]
    assert json.loads(base64.b64decode(solve(examples.WORK))) == proof


@pytest.mark.django_db
@pytest.mark.usefixtures("traveller")
def test_the_proof_of_work_computed_as_the_document_says_opens_the_identity_step_R_CAP6_R_API3(beneficiary):
    client = HttpClient(REMOTE_ADDR="203.0.113.7")
    challenge = client.post("/api/v1/captcha", content_type="application/json").json()
    body = {
        **examples.IDENTITY["Date au format JJ/MM/AAAA, avec la preuve de travail"],
        "captcha_id": challenge["id"],
        "captcha_key": challenge["key"],
        "captcha_answer": challenge_answer(challenge_id=challenge["id"]),
        "captcha_work": solve(challenge["work"]),
    }
    answer = client.post("/api/v1/enrollment/identity", body, content_type="application/json")
    assert answer.status_code == 202, answer.json()
    assert answer.json()["email_masked"] == examples.CODE_SENT["email_masked"]
    assert OutboundEmail.objects.filter(template="provisional_code").count() == 1
    refused = client.post("/api/v1/enrollment/identity", body, content_type="application/json").json()
    assert refused["code"] == "captcha_work_refused"  # a proof serves once, as the document says


def test_the_personal_code_s_lengths_in_the_document_follow_the_settings_R_API3(settings):
    settings.MONCOMPTE = replace(settings.MONCOMPTE, personal_code_min_length=12)
    password = api.get_openapi_schema()["components"]["schemas"]["PersonalCodeIn"]["properties"]["password"]
    assert "De 12 à 50 caractères" in password["description"]


@pytest.mark.django_db
def test_every_error_answer_has_its_own_example_with_its_status_and_one_of_its_codes_R_API3():
    """Not the problem schema's one example (400, `nir_invalid`) under every status: each error answer of each
    operation shows a problem of that status, with one of the codes listed there, that its schema accepts."""
    doc = document()
    seen = set()
    for label, operation in operations(doc):
        for status, answer in operation["responses"].items():
            if int(status) < 400:
                continue
            media = answer["content"]["application/problem+json"]
            assert "example" in media, (label, status)
            example = media["example"]
            assert example["status"] == int(status), (label, status)
            assert example["code"] in media["schema"]["properties"]["code"]["enum"], (label, status)
            assert example["type"] == f"/api/v1/problemes/{example['code']}"
            assert example["detail"] == example["title"], (label, status)
            assert is_french(example["detail"]), (label, status)
            assert accepts(doc, media["schema"], example) == [], (label, status)
            seen.add((int(status), example["code"]))
    assert {401, 403, 413, 415, 429, 500, 503} <= {status for status, _ in seen}
