"""The problems the API sends beyond a domain error's own code, field and message: the personal code's failed
rules, as the web's checklist names them (R-PW7), and those of a request that no operation takes or that cannot
be read (an unknown address, a method, a body that is no JSON or too large, a server error), the same for every
operation."""

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from ninja import Schema
from ninja.parser import Parser
from ninja.types import DictStrAny

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


@dataclass(frozen=True)
class Said:
    code: str
    message: str


PROBLEM_TYPE = "application/problem+json"
# What a request that reaches no operation's rules gets, by status: never the site's HTML pages.
HTTP_PROBLEMS = {
    400: Said("invalid_input", "La demande n'a pas pu être lue."),
    403: Said("forbidden", "Cette demande n'est pas permise."),
    404: Said("not_found", "Aucune opération de l'API n'a cette adresse."),
    405: Said("method_not_allowed", "Cette adresse ne prend pas cette méthode : l'en-tête Allow dit lesquelles."),
    413: Said("request_too_large", "La demande est trop volumineuse pour être lue."),
    415: Said(
        "unsupported_media_type",
        "Le corps de la demande doit être un document JSON, envoyé avec l'en-tête Content-Type: application/json.",
    ),
    500: Said(
        "server_error",
        "Une erreur est survenue de notre côté : ce qui a été envoyé n'a peut-être pas été enregistré. Réessayez "
        "dans quelques minutes.",
    ),
    503: Said("service_unavailable", "Le service est momentanément indisponible : réessayez dans quelques minutes."),
}
ANY_OTHER = Said("error", "La demande n'a pas abouti.")


class NotJson(ValueError):
    """A body sent as something else than JSON (a form, text, nothing said)."""


def is_json(content_type: str) -> bool:
    kind = content_type.split(";")[0].strip().lower()
    return kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json"))


class JsonBody(Parser):
    """A body is read only when it says it is JSON (the document's only request type): a form or text gets a 415
    that says what to send, rather than being read as JSON or refused as unreadable."""

    def parse_body(self, request: HttpRequest) -> DictStrAny:
        if not is_json(request.content_type or ""):
            raise NotJson(request.content_type)
        return super().parse_body(request)
