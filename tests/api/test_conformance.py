"""R-API3: what schemathesis's conformance checks found, pinned as plain tests: the document and the API agree on
empty inputs, on the answers of /sessions/refresh, on booleans, and on a body that is no JSON at all."""

import re
from typing import Any

import pytest
from django.test import Client as HttpClient

from moncompte.accounts.models import ConsentRecord
from tests.api.test_account import pair  # noqa: F401 - the fixture of an active account's token pair
from tests.api.test_sessions import call

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("traveller")]


def document() -> Any:
    return call("get", "/openapi.json")[1]


@pytest.mark.parametrize("granted", [0, 1, "true", "non", None])
def test_a_consent_is_true_or_false_and_nothing_else_R_API3_R_CT5(pair, granted):  # noqa: F811
    status, problem, _ = call("put", "/account/consents/email", pair["access_token"], granted=granted)
    assert (status, problem["code"], problem["field"]) == (400, "invalid_input", "granted")
    assert not ConsentRecord.objects.filter(source="app").exists()


def test_the_contact_step_takes_booleans_only_for_its_consents_R_API3_R_CT4(pair):  # noqa: F811
    body = {"email": "c@example.fr", "email_confirmation": "c@example.fr", "consent_email": 0}
    status, problem, _ = call("post", "/enrollment/contact", pair["access_token"], **body)
    assert (status, problem["field"]) == (400, "consent_email")
    members = document()["components"]["schemas"]["ContactIn"]["properties"]
    assert {"type": "boolean"} in members["consent_email"]["anyOf"]


def test_a_consent_channel_is_one_the_document_names_R_API3(pair):  # noqa: F811
    status, problem, _ = call("put", "/account/consents/pigeon", pair["access_token"], granted=True)
    assert (status, problem["code"], problem["field"]) == (400, "invalid_input", "channel")
    [channel] = document()["paths"]["/api/v1/account/consents/{channel}"]["put"]["parameters"]
    assert set(channel["schema"]["enum"]) == {"email", "mobile_call", "mobile_sms", "landline_call"}


def test_a_refresh_without_its_token_is_a_documented_400_problem_R_API3():
    for body in ({}, {"refresh_token": "x" * 201}):
        status, problem, answer = call("post", "/sessions/refresh", **body)
        assert (status, answer["Content-Type"], problem["code"]) == (400, "application/problem+json", "invalid_input")
    answers = document()["paths"]["/api/v1/sessions/refresh"]["post"]["responses"]
    assert {"200", "400", "401", "503"} <= set(answers)


def test_required_inputs_are_documented_as_not_blank_and_refused_with_the_web_s_message_when_blank_R_API3():
    sign_in = document()["components"]["schemas"]["SignInIn"]["properties"]
    assert sign_in["nir"]["minLength"] == 1
    assert sign_in["code"]["minLength"] == 1
    not_blank = re.compile(sign_in["nir"]["pattern"])
    for blank in ("", " ", "\t\n", "\x1f", "\u3000", "12\x00"):
        assert not not_blank.search(blank), repr(blank)
    assert not_blank.search(" 2 84 ")
    status, problem, _ = call("post", "/sessions", nir=" ", code="x")
    assert (status, problem["code"], problem["field"]) == (400, "required", "nir")


def test_a_body_that_is_no_json_is_a_400_problem_R_API3():
    answer = HttpClient().post("/api/v1/sessions", "\x00{", content_type="application/json")
    assert (answer.status_code, answer["Content-Type"]) == (400, "application/problem+json")
    assert answer.json()["code"] == "invalid_input"


def test_every_operation_documents_the_503_of_a_database_out_R_API3():
    for operations in document()["paths"].values():
        for operation in operations.values():
            assert "503" in operation["responses"]


def test_a_request_the_document_refuses_names_every_member_at_fault_at_once_R_API4(pair):  # noqa: F811
    body = {"email": "c@example.fr", "consent_email": 0, "consent_mobile_sms": "oui"}
    status, problem, _ = call("post", "/enrollment/contact", pair["access_token"], **body)
    assert (status, problem["code"], problem["field"]) == (400, "invalid_input", "email_confirmation"), problem
    assert [(each["code"], each["field"]) for each in problem["errors"]] == [
        ("invalid_input", "email_confirmation"),
        ("invalid_input", "consent_email"),
        ("invalid_input", "consent_mobile_sms"),
    ]
    assert problem["errors"][0]["detail"] == "Ce membre est obligatoire."
    assert all(each["detail"] and "Input should" not in each["detail"] for each in problem["errors"])


def test_each_entry_of_a_list_at_fault_is_named_once_by_its_place_R_API4():
    from moncompte.api.problems import invalid_members

    found = invalid_members(
        [
            {"type": "string_type", "loc": ("body", "payload", "nirs", 1)},
            {"type": "string_too_long", "loc": ("body", "payload", "nirs", 3)},
            {"type": "bool_type", "loc": ("body", "payload", "nirs", 3)},
        ]
    )
    assert [(each["field"], each["detail"]) for each in found] == [
        ("nirs[1]", "Cette valeur n'a pas le type ou la forme que le document décrit pour ce membre."),
        ("nirs[3]", "Ce membre est plus long que le document ne le permet."),
    ]


def test_the_document_shows_an_invalid_input_problem_with_every_member_at_fault_R_API4():
    problem = document()["components"]["schemas"]["Problem"]
    [shown] = [example for example in problem["examples"] if example["code"] == "invalid_input"]
    assert len(shown["errors"]) > 1
    assert shown["field"] == shown["errors"][0]["field"]
    assert "invalid_input" in problem["properties"]["errors"]["description"]
