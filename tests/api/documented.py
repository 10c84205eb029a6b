"""What the OpenAPI document says each operation may answer (R-API3): the codes of a status, looked up by the
request's method and address, so that every problem a test meets is checked against the document."""

import re
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from moncompte.api.app import api

OUTSIDE_OPERATIONS = {404: {"not_found"}, 405: {"method_not_allowed"}}


@cache
def document() -> Any:
    return api.get_openapi_schema()


def _operation(method: str, path: str) -> tuple[bool, Any]:
    """(whether an operation has this address, the operation of this method there or None)."""
    for template, operations in document()["paths"].items():
        pattern = re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, path):
            return True, operations.get(method.lower())
    return False, None


def codes_documented(method: str, address: str, status: int) -> set[str]:
    """The codes the document lists for this answer (an empty set: the status is not documented there)."""
    known, operation = _operation(method, urlsplit(address).path)
    if operation is None:
        return OUTSIDE_OPERATIONS.get(405 if known else 404, set()) if status in (404, 405) else set()
    answer = operation["responses"].get(status) or operation["responses"].get(str(status))
    if answer is None:
        return set()
    return set(answer["content"]["application/problem+json"]["schema"]["properties"]["code"]["enum"])


def assert_documented(method: str, address: str, answer: Any) -> None:
    """A problem's code, and each of its refused inputs', is one the document lists for that operation and status."""
    if answer.get("Content-Type") != "application/problem+json":
        return
    problem, status = answer.json(), answer.status_code
    codes = {problem["code"]} | {each["code"] for each in problem.get("errors", [])}
    listed = codes_documented(method, address, status)
    assert codes <= listed, f"{method.upper()} {address} {status}: {codes - listed} not in the document ({listed})"
