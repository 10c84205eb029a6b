"""R-API3 (issue 23, point 8): the document lists, under each status of each operation, every code the operation
can answer; the table it comes from names every operation and gives each error the status the API gives it. (The
API's tests check each problem they meet against the document: tests/api/documented.py.)"""

from datetime import timedelta
from typing import Any

import pytest

from moncompte.accounts.password_policy import Refusal
from moncompte.accounts.states import AccountEvent, AccountState, TransitionNotAllowed
from moncompte.accounts.steps import AccountStep, NotAtThisStep
from moncompte.api.common import status_of
from moncompte.api.refusals import REFUSALS, status_of_kind
from moncompte.core.errors import DomainError
from moncompte.enrollment.errors import LinkResendLimited, PasswordRefused
from tests.api.documented import document

# Opens no database: the PostgreSQL pass would run it again unchanged (tests/conftest.py).
pytestmark = pytest.mark.without_database

KINDS = sorted({kind for kinds in REFUSALS.values() for kind in kinds}, key=lambda kind: kind.__name__)


def raised(kind: type[DomainError]) -> DomainError:
    """An error of this kind as the domain raises it."""
    if issubclass(kind, PasswordRefused):
        return kind([Refusal("R-PW1", "Trop court.", "length")])
    if issubclass(kind, LinkResendLimited):
        return kind(retry_after=timedelta(minutes=1), daily=False)
    if issubclass(kind, TransitionNotAllowed):
        return kind(AccountState.ACTIVE, AccountEvent.CONTACT_GIVEN)
    if issubclass(kind, NotAtThisStep):
        return kind(next_step=AccountStep.CONFIRM_EMAIL)
    try:
        return kind()
    except TypeError:  # the errors that say when to try again
        return kind(timedelta(minutes=1))  # type: ignore[arg-type]


def operations() -> dict[str, Any]:
    return {op["operationId"]: op for ops in document()["paths"].values() for op in ops.values()}


def test_every_operation_of_the_document_has_its_refusals_and_no_other_is_named_R_API3():
    assert set(operations()) == set(REFUSALS)


@pytest.mark.parametrize("kind", KINDS, ids=[kind.__name__ for kind in KINDS])
def test_each_error_is_documented_under_the_status_the_api_answers_it_with_R_API3(kind):
    assert status_of_kind(kind) == status_of(raised(kind))


def test_each_operation_lists_each_of_its_codes_under_its_status_R_API3():
    for operation_id, operation in operations().items():
        answers = operation["responses"]
        for kind in REFUSALS[operation_id]:
            answer = answers[status_of_kind(kind)]
            assert answer["content"].keys() == {"application/problem+json"}
            assert kind.code in answer["content"]["application/problem+json"]["schema"]["properties"]["code"]["enum"]
            assert f"`{kind.code}`" in answer["description"]


def test_what_no_operation_s_rules_see_is_documented_on_every_operation_it_applies_to_R_API3():
    for operation in operations().values():
        answers = operation["responses"]
        said = {
            status: answer["content"]["application/problem+json"]["schema"]["properties"]["code"]["enum"]
            for status, answer in answers.items()
            if status >= 400
        }
        assert (said[500], said[503]) == (["server_error"], ["service_unavailable"])
        if "requestBody" in operation:
            assert (said[413], said[415]) == (["request_too_large"], ["unsupported_media_type"])
            assert said[400][0] == "invalid_input"
        assert list(answers) == sorted(answers)


def test_no_error_status_is_documented_without_the_codes_it_answers_R_API3():
    said = operations()["consent_put"]["responses"]
    assert set(said) == {200, 400, 401, 403, 413, 415, 500, 503}  # never throttled: no 429 (account.ERRORS has one)


def test_the_refused_inputs_of_a_400_are_documented_too_R_API3():
    refused = operations()["contact_details_submit"]["responses"][400]["content"]["application/problem+json"]
    items = refused["schema"]["properties"]["errors"]["items"]["properties"]["code"]["enum"]
    assert {"emails_differ", "consent_missing", "phone_invalid"} <= set(items)
