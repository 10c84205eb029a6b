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
from pydantic import ConfigDict, Field

from moncompte.accounts.password_policy import CONFIRMATION, checklist, line_of
from moncompte.api.common import Problem
from moncompte.enrollment.errors import PasswordRefused

# What the page says beside the field and in its checklist (R-PW7), for a code too short and without a digit.
REFUSED_CODE_EXAMPLE: dict[str, Any] = {
    "type": "/api/v1/problemes/password_refused",
    "title": "Votre code doit comporter entre 8 et 50 caractères (il en a 6).",
    "status": 400,
    "detail": "Votre code doit comporter entre 8 et 50 caractères (il en a 6).",
    "code": "password_refused",
    "field": "password",
    "errors": [
        {
            "code": "password_refused",
            "field": "password",
            "detail": "Votre code doit comporter entre 8 et 50 caractères (il en a 6).",
        },
        {
            "code": "password_refused",
            "field": "password",
            "detail": "Votre code doit contenir au moins un chiffre ou un caractère spécial.",
        },
    ],
    "rules": [
        {
            "id": "length",
            "label": "comporter entre 8 et 50 caractères",
            "field": "password",
            "detail": "Votre code doit comporter entre 8 et 50 caractères (il en a 6).",
        },
        {
            "id": "digit_or_special",
            "label": "contenir un chiffre ou un caractère spécial (? ! $ € £ @ & ( - + _ ) = * % / < > , . ;)",
            "field": "password",
            "detail": "Votre code doit contenir au moins un chiffre ou un caractère spécial.",
        },
    ],
}


class PersonalCodeRule(Schema):
    """Une règle que le code personnel ne respecte pas : sa ligne de la liste de contrôle du site (les mêmes
    lignes, dans les mêmes mots) et le message que la page affiche sous le champ."""

    id: str = Field(
        description="La ligne de la liste de contrôle : `length`, `cases`, `digit_or_special`, `allowed`, `common`, "
        "`personal_data` (numéro de sécurité sociale ou date de naissance), ou `confirmation` (la confirmation "
        "diffère du code).",
        json_schema_extra=lambda shape: shape.update(enum=[*(line.name for line in checklist()), CONFIRMATION.name]),
    )
    label: str = Field(description="Ce que le code doit faire, tel que la liste de contrôle du site le dit.")
    field: str = Field(description="Le champ en cause : `password`, ou `confirmation`.")
    detail: str = Field(description="Le message en français à montrer sous ce champ, le même que sur le site.")


class PersonalCodeProblem(Problem):
    """Une erreur du choix ou du changement du code personnel. Un code refusé (`password_refused`) donne dans
    `rules` chaque règle qu'il ne respecte pas."""

    model_config = ConfigDict(json_schema_extra={"examples": [REFUSED_CODE_EXAMPLE]})

    rules: list[PersonalCodeRule] = Field(
        [],
        description="Chaque règle que le code ne respecte pas, dans l'ordre où la page les affiche, avec sa ligne "
        "de la liste de contrôle du site ; vide pour les autres erreurs.",
    )


def personal_code_rules(error: Exception) -> dict[str, Any]:
    """The `rules` member of a refused personal code's problem (nothing for other errors)."""
    if not isinstance(error, PasswordRefused):
        return {}
    rules = []
    for refusal, refused in zip(error.refusals, error.errors, strict=True):
        line = line_of(refusal.line)
        rules.append({"id": line.name, "label": line.label, "field": refused.field, "detail": refused.message})
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


# What each invalid member of a request the document does not allow is told, by pydantic's kind of error (the
# end of its `type`): a word on what to fix, not pydantic's English.
INVALID_MEMBER = {
    "missing": "Ce membre est obligatoire.",
    "too_long": "Ce membre est plus long que le document ne le permet.",
    "too_short": "Ce membre est plus court que le document ne le permet.",
    "literal_error": "Cette valeur n'est pas l'une de celles que le document permet.",
    "enum": "Cette valeur n'est pas l'une de celles que le document permet.",
    "extra_forbidden": "Ce membre n'est pas attendu ici.",
}
INVALID_VALUE = "Cette valeur n'a pas le type ou la forme que le document décrit pour ce membre."


def member_of(location: tuple[str | int, ...]) -> str | None:
    """The member a pydantic error names: its last name, or `nirs[3]` for the fourth entry of a list."""
    if not location:
        return None
    if len(location) > 1 and isinstance(location[-1], int):
        return f"{location[-2]}[{location[-1]}]"
    return str(location[-1])


def invalid_members(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """R-API4: every member of a request the document does not allow, once each, in the order pydantic found
    them: the `errors` of its `invalid_input` problem, so that an app fixes them all at once."""
    found: dict[str | None, dict[str, Any]] = {}
    for error in errors:
        field = member_of(tuple(error.get("loc", ())))
        kind = str(error.get("type", ""))
        detail = next((said for end, said in INVALID_MEMBER.items() if kind.endswith(end)), INVALID_VALUE)
        found.setdefault(field, {"code": HTTP_PROBLEMS[400].code, "field": field, "detail": detail})
    return list(found.values())


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
