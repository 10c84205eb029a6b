"""R-API3 (issue 23, point 8): under the APIs' addresses every error is a problem document with its `code`, never
one of the site's HTML pages: an unknown address, a method an address does not take, a body that is no JSON, sent
as something else than JSON or too large, a server error. Each is in the OpenAPI document."""

from typing import Any

import pytest
from django.test import Client as HttpClient

from tests.api.documented import codes_documented, document

# None of these reads the database (pytest-django refuses it): the problem of a request no operation's rules see
# needs none, like the site's error pages; only the CAPTCHA's counts do.
PROBLEM = "application/problem+json"


def assert_problem(answer, status: int, code: str) -> Any:
    assert (answer.status_code, answer["Content-Type"]) == (status, PROBLEM), answer.content[:200]
    problem = answer.json()
    assert (problem["status"], problem["code"]) == (status, code)
    assert problem["type"].endswith(f"/problemes/{code}")
    assert problem["detail"] == problem["title"] != ""
    return problem


@pytest.mark.parametrize(
    "address", ["/api/v1/nulle-part", "/api/v1/", "/api/v1/account/", "/api/v1/sessions/current/extra", "/api/v1/x.php"]
)
def test_an_unknown_address_under_the_api_is_a_404_problem_that_points_to_the_document_R_API3(address):
    problem = assert_problem(HttpClient().get(address), 404, "not_found")
    assert "/api/v1/openapi.json" in problem["detail"]
    assert codes_documented("get", address, 404) == {"not_found"}  # said in the document's introduction


@pytest.mark.parametrize("address", ["/api/nope", "/api/v2/account", "/api/", "/api", "/api/v1.0/sessions"])
def test_an_unknown_address_anywhere_under_api_is_the_app_api_s_404_problem_R_API3(address):
    problem = assert_problem(HttpClient().get(address), 404, "not_found")
    assert problem["type"] == "/api/v1/problemes/not_found"
    assert "/api/v1/openapi.json" in problem["detail"]


@pytest.mark.parametrize("address", ["/api/interne/v1/nulle-part", "/api/interne/v2/messages", "/api/interne/"])
def test_an_unknown_address_under_the_internal_api_s_prefix_is_its_problem_R_API3(address):
    problem = assert_problem(HttpClient().post(address), 404, "not_found")
    assert problem["type"] == "/api/interne/v1/problemes/not_found"
    assert "/api/interne/v1/openapi.json" in problem["detail"]


def test_the_internal_api_answers_an_unknown_address_with_its_own_problem_type_R_API3():
    problem = assert_problem(HttpClient().post("/api/interne/v1/nulle-part"), 404, "not_found")
    assert problem["type"] == "/api/interne/v1/problemes/not_found"


def test_the_site_keeps_its_french_pages_outside_the_api_R_A11Y6():
    answer = HttpClient().get("/api-v1/nulle-part")
    assert (answer.status_code, answer["Content-Type"]) == (404, "text/html; charset=utf-8")


@pytest.mark.parametrize(
    ("method", "address", "allowed"),
    [
        ("put", "/api/v1/sessions", "GET, POST"),
        ("get", "/api/v1/enrollment/identity", "POST"),
        ("delete", "/api/v1/account", "GET"),
        ("head", "/api/v1/account", "GET"),
        ("options", "/api/v1/captcha", "POST"),
    ],
)
def test_a_method_an_address_does_not_take_is_a_405_problem_with_allow_R_API3(method, address, allowed):
    answer = getattr(HttpClient(), method)(address)
    assert (answer.status_code, answer["Content-Type"], answer["Allow"]) == (405, PROBLEM, allowed)
    if method != "head":  # a HEAD answer has no body
        problem = assert_problem(answer, 405, "method_not_allowed")
        assert problem["detail"] == f"Cette adresse ne prend pas la méthode {method.upper()} : elle prend {allowed}."
    assert "`method_not_allowed`" in document()["info"]["description"]


@pytest.mark.parametrize("body", ["{", '{"nir": "1", "code": }', "[" * 100_000, "\x00{", '{"nir": NaN}xx'])
def test_a_body_that_is_no_json_is_a_400_problem_R_API3(body):
    answer = HttpClient().post("/api/v1/sessions", body, content_type="application/json")
    assert_problem(answer, 400, "invalid_input")
    assert "invalid_input" in codes_documented("post", "/api/v1/sessions", 400)


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x", ""]
)
def test_a_body_sent_as_something_else_than_json_is_a_415_problem_that_says_what_to_send_R_API3(content_type):
    body = '{"nir": "2 84 05 88 321 025 32", "code": "x"}'  # JSON, but not said so: not read
    answer = HttpClient().generic("POST", "/api/v1/sessions", body, content_type=content_type)
    problem = assert_problem(answer, 415, "unsupported_media_type")
    assert "Content-Type: application/json" in problem["detail"]
    assert codes_documented("post", "/api/v1/sessions", 415) == {"unsupported_media_type"}


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "application/problem+json"])
def test_json_is_read_whatever_its_parameters_or_json_suffix_R_API3(content_type):
    body = '{"nir": "1234", "code": "x"}'
    answer = HttpClient().generic("POST", "/api/v1/sessions", body, content_type=content_type)
    assert_problem(answer, 400, "nir_invalid")  # read, and refused by the NIR's rule


def test_a_body_too_large_to_read_is_a_413_problem_R_API3():
    body = '{"nir": "' + "1" * 3_000_000 + '", "code": "x"}'  # past Django's DATA_UPLOAD_MAX_MEMORY_SIZE
    answer = HttpClient().post("/api/v1/sessions", body, content_type="application/json")
    assert_problem(answer, 413, "request_too_large")
    assert codes_documented("post", "/api/v1/sessions", 413) == {"request_too_large"}


def test_a_server_error_under_the_api_is_a_500_problem_not_the_site_s_page_R_API3(settings):
    settings.ROOT_URLCONF = "tests.security.errors_urls"
    answer = HttpClient(raise_request_exception=False).get("/api/v1/panne")
    problem = assert_problem(answer, 500, "server_error")
    assert problem["detail"].startswith("Une erreur est survenue de notre côté")
    assert answer["X-Request-Id"]  # what ties it to the log line
    assert codes_documented("get", "/api/v1/account", 500) == {"server_error"}


@pytest.mark.django_db
def test_an_unknown_captcha_picture_is_a_404_problem_R_CAP4():
    assert_problem(HttpClient().get("/api/v1/captcha/inconnu/image.png"), 404, "captcha_not_found")
    assert_problem(HttpClient().get("/api/v1/captcha/inconnu/audio.wav"), 404, "captcha_not_found")
    assert codes_documented("get", "/api/v1/captcha/x/audio.wav", 404) == {"captcha_not_found"}
