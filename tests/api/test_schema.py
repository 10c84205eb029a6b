"""R-API3: property-based tests from the OpenAPI document (schemathesis) against a real server, with its
conformance checks: on every operation, data the document allows (positive) and data it refuses (negative); no
server error, no answer outside the document (status, content type, headers, body), data it refuses refused,
and data it allows refused only by the domain's rules on its value (the web's code and French message), never as
a malformed request nor as a missing or unreadable input."""

from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, assume, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from moncompte.core.models import ThrottleEvent
from tests import factories
from tests.factories import PERSONAL_CODE

NIR = "2840588321025"
EXAMPLES_PER_OPERATION = 30  # bounded for CI (each mode); every operation of the document is walked on every run
# A value the document allows may still be refused by the domain (a NIR's key, a password's rules): the document
# describes the form only (docs/architecture.md). These codes would say the form itself was refused.
FORM_REFUSALS = {"invalid_input", "required", "null_character"}


@schemathesis.check
def positive_data_reaches_the_rules(ctx, response, case) -> None:
    """Data the document allows is never refused as malformed, missing or unreadable."""
    if case.meta is None or not case.meta.generation.mode.is_positive or response.status_code != 400:
        return
    codes = {response.json().get("code")} | {each.get("code") for each in response.json().get("errors", [])}
    if codes & FORM_REFUSALS:
        raise Failure(
            operation=case.operation.label,
            title="Data the document allows was refused as malformed",
            message=f"{response.status_code}: {response.text[:300]}",
        )


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    positive_data_reaches_the_rules,
]
BOUNDED = hypothesis_settings(
    max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck), database=None
)


def signed_in(base_url: str) -> dict[str, str]:
    """A fresh access token of the active account: every operation is tried past its token check too (a consent
    of 0 must be refused by the operation, not only by a missing token); each operation gets its own, as one may
    end it (DELETE /sessions/current). The failures earlier operations counted (a wrong current code, R-LIM5) are
    forgotten first: they would otherwise suspend signing in for the operations walked after them."""
    ThrottleEvent.objects.all().delete()
    answer = requests.post(f"{base_url}/api/v1/sessions", json={"nir": NIR, "code": PERSONAL_CODE}, timeout=10)
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def sent_as_generated(case) -> bool:
    """requests leaves out of the address a query parameter whose value is None or holds no value ([], [[], []]):
    a case refused only for such a parameter (one the document does not name, say) reaches the server as a valid
    request, and its 200 would be counted as accepting refused data (about one run in five on GET /messages)."""
    query = case.query or {}
    sent = requests.Request("GET", "http://localhost/", params=query).prepare().url or ""
    return set(query) <= {key for key, _ in parse_qsl(urlsplit(sent).query, keep_blank_values=True)}


def walk(operation, mode: GenerationMode, *, base_url: str, headers: dict[str, str] | None) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @BOUNDED
    def check(case) -> None:
        assume(sent_as_generated(case))
        case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS)

    check()


@pytest.mark.contract
@pytest.mark.django_db(transaction=True)
def test_every_answer_conforms_to_the_document_for_data_it_allows_and_refuses_R_API3(live_server, code_sent, now):
    factories.active(code_sent, now)
    schema = schemathesis.openapi.from_url(live_server.url + "/api/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations() if isinstance(result, Ok)]
    assert len(operations) >= 12
    failures = []
    for operation in operations:
        headers = signed_in(live_server.url) if operation.definition.raw.get("security") else None
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                walk(operation, mode, base_url=live_server.url, headers=headers)
            except Unsatisfiable:  # nothing the document refuses (no body, a free text in the path)
                assert mode is GenerationMode.NEGATIVE
            except (Exception, FailureGroup) as error:  # every operation and mode is walked, then all failures told
                found = error.exceptions if isinstance(error, FailureGroup) else [error]
                told = " | ".join(f"{type(each).__name__}: {each}"[:400] for each in found)
                failures.append(f"{operation.label} ({mode.value}): {told}")
    assert not failures, "\n\n".join(failures)
