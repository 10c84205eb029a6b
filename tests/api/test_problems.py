"""R-PW7, R-API1: a refused personal code says in the app which rules it breaks, as the web's checklist names them
(the same lines, in the same words) and as the page says them under the field, at the first choice and at a
change in the account; the document describes that list."""

import html
import re
from datetime import date

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from moncompte.accounts.password_policy import CONFIRMATION, check, checklist
from tests.api.test_account import pair  # noqa: F401 - the fixture of an active account's token pair
from tests.api.test_sessions import NIR, call
from tests.factories import PERSONAL_CODE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("traveller")]


def restricted_token(code_sent) -> str:
    status, body, _ = call("post", "/sessions", nir=NIR, code=code_sent.clear)
    assert status == 200, body
    return str(body["access_token"])


def checklist_on_the_page() -> list[str]:
    """The lines of the checklist as the web's page of a new code shows them, tags and states left out."""
    browser = HttpClient()
    browser.post(reverse("web:sign_in"), {"nir": NIR, "code": PERSONAL_CODE})
    page = browser.get(reverse("web:password_change")).content.decode()
    listed = re.search(r'<ul class="checklist">(.*?)</ul>', page, re.S)
    assert listed, page[:300]
    lines = re.findall(r"<li[^>]*>(.*?)</li>", listed[1], re.S)
    return [html.unescape(re.sub(r"<span class=\"rule-state\".*?</span>|<[^>]+>", "", line)).strip() for line in lines]


def test_a_refused_first_code_lists_every_rule_it_breaks_in_the_checklist_s_words_R_PW7_R_API1(code_sent):
    status, problem, answer = call(
        "post", "/personal-code", restricted_token(code_sent), password="court", confirmation="courte"
    )
    assert (status, answer["Content-Type"], problem["code"]) == (400, "application/problem+json", "password_refused")
    rules = problem["rules"]
    assert [(rule["id"], rule["field"]) for rule in rules] == [
        ("length", "password"),  # R-PW1
        ("cases", "password"),  # R-PW3
        ("digit_or_special", "password"),  # R-PW3
        ("confirmation", "confirmation"),  # R-PW6
    ]
    assert [rule["detail"] for rule in rules] == [error["detail"] for error in problem["errors"]]  # the page's
    assert rules[0]["detail"] == "Votre code doit comporter entre 8 et 50 caractères (il en a 5)."
    lines = {line.name: line.label for line in checklist()}  # the page's lines, word for word (test below)
    assert [rule["label"] for rule in rules[:3]] == [lines["length"], lines["cases"], lines["digit_or_special"]]
    assert rules[3]["label"] == CONFIRMATION.label


def test_the_nir_the_birth_date_and_a_common_code_are_named_as_on_the_checklist_R_PW4_R_PW5_R_PW10(code_sent):
    token = restricted_token(code_sent)
    status, problem, _ = call("post", "/personal-code", token, password="Xx-840588-1984", confirmation="x")
    assert status == 400
    assert [(rule["id"], rule["detail"][:53]) for rule in problem["rules"]] == [
        ("personal_data", "Votre code ne doit pas contenir votre numéro de sécur"),  # R-PW4
        ("personal_data", "Votre code ne doit pas contenir votre date de naissan"),  # R-PW5
        ("confirmation", "La confirmation ne correspond pas au code saisi."),  # R-PW6
    ]
    assert problem["rules"][0]["label"] == checklist()[-1].label
    status, problem, _ = call("post", "/personal-code", token, password="Azerty123!", confirmation="Azerty123!")
    assert [rule["id"] for rule in problem["rules"]] == ["common"]  # R-PW10


def test_an_accepted_code_or_another_refusal_has_no_rules_R_PW7(code_sent):
    token = restricted_token(code_sent)
    status, problem, _ = call("post", "/personal-code", token, password="", confirmation="")
    assert (status, problem["code"], problem.get("rules")) == (400, "required", None)
    status, pair_given, _ = call("post", "/personal-code", token, password=PERSONAL_CODE, confirmation=PERSONAL_CODE)
    assert (status, pair_given["next_step"]) == (200, "give_contact_details")


def test_a_refused_new_code_in_the_account_lists_its_rules_too_R_PW7_R_LIM5(pair):  # noqa: F811
    body = {"current_password": PERSONAL_CODE, "password": "Vacances Bretagne", "confirmation": "Vacances Bretagne"}
    status, problem, _ = call("post", "/account/personal-code", pair["access_token"], **body)
    assert (status, problem["code"]) == (400, "password_refused")
    assert [rule["id"] for rule in problem["rules"]] == ["allowed", "digit_or_special"]  # R-PW2, R-PW3
    assert problem["rules"][0]["detail"].startswith("L'espace n'est pas autorisé.")
    on_the_page = checklist_on_the_page()  # the web's checklist beside the same field, word for word
    assert [rule["label"] for rule in problem["rules"]] == [on_the_page[3], on_the_page[2]]
    assert on_the_page == [line.label for line in checklist()]
    wrong = {**body, "current_password": "Pas-Le-Bon-Code-1"}
    status, problem, _ = call("post", "/account/personal-code", pair["access_token"], **wrong)
    assert (problem["code"], problem.get("rules")) == ("wrong_current_password", None)  # the current code first


def test_the_document_describes_the_rules_of_both_operations_R_API3():
    document = call("get", "/openapi.json")[1]
    for path in ("/api/v1/personal-code", "/api/v1/account/personal-code"):
        refused = document["paths"][path]["post"]["responses"]["400"]["content"]["application/problem+json"]
        assert "PersonalCodeProblem" in str(refused["schema"])
    rule = document["components"]["schemas"]["PersonalCodeRule"]["properties"]
    assert set(rule) == {"id", "label", "field", "detail"}
    assert rule["id"]["enum"] == [line.name for line in checklist()] + [CONFIRMATION.name]


def test_every_refusal_names_a_line_of_the_checklist_R_PW7():
    names = {line.name for line in checklist()} | {CONFIRMATION.name}
    refused = check(
        password="é 2840588321025 03051984", confirmation="", nir="2840588321025", birth_date=date(1984, 5, 3)
    )
    assert {refusal.rule for refusal in refused} == {"R-PW2", "R-PW3", "R-PW4", "R-PW5", "R-PW6"}
    assert {refusal.line for refusal in refused} <= names
