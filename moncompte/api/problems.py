"""The problems the API sends beyond a domain error's own code, field and message: the personal code's failed
rules, as the web's checklist names them (R-PW7)."""

from typing import Any

from ninja import Schema

from moncompte.accounts.password_policy import line_of
from moncompte.api.common import Problem
from moncompte.enrollment.errors import PasswordRefused


class PersonalCodeRule(Schema):
    """One rule the personal code breaks: its line of the checklist (the web page lists the same lines, in the
    same words) and what the page says under the field."""

    id: str  # the checklist's line: length, cases, digit_or_special, allowed, common, personal_data, confirmation
    rule: str  # the rule it breaks (R-PW1..6, R-PW10)
    label: str  # the line as the checklist says it ("comporter entre 8 et 50 caractères")
    field: str  # password, or confirmation
    detail: str  # the refusal, as the page shows it under the field


class PersonalCodeProblem(Problem):
    """A problem of the personal code's choice or change; a refused code (`password_refused`) lists in `rules`
    every rule it breaks, in the order the page shows them (empty for any other refusal)."""

    rules: list[PersonalCodeRule] = []


def personal_code_rules(error: Exception) -> dict[str, Any]:
    """The `rules` member of a refused personal code's problem (nothing for other errors)."""
    if not isinstance(error, PasswordRefused):
        return {}
    rules = []
    for refusal, refused in zip(error.refusals, error.errors, strict=True):
        line = line_of(refusal.line)
        rules.append(
            {
                "id": line.name,
                "rule": refusal.rule,
                "label": line.label,
                "field": refused.field,
                "detail": refused.message,
            }
        )
    return {"rules": rules}
