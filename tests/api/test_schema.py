"""R-API3: property-based tests from the OpenAPI document (schemathesis) against a real server: on every
operation, no server error and no answer outside the schema (status, content type, body)."""

import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES_PER_OPERATION = 30  # bounded for CI; every operation of the document is walked on every run
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
BOUNDED = hypothesis_settings(
    max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck), database=None
)


def test_no_server_error_and_every_answer_in_the_schema_R_API3(live_server, beneficiary_committed):
    schema = schemathesis.openapi.from_url(live_server.url + "/api/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations() if isinstance(result, Ok)]
    assert len(operations) >= 12
    for operation in operations:

        @given(case=operation.as_strategy())
        @BOUNDED
        def check(case) -> None:
            case.call_and_validate(base_url=live_server.url, checks=CHECKS)

        check()
