"""What the API's operations share: the problem schema and the schemas of more than one module, the bearer
token, the client, the step check, and the reading of what a person typed (the domain's entries, as the web's
forms read them)."""

import re
import unicodedata
from collections.abc import Mapping
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Schema
from ninja.security import HttpBearer
from pydantic import ConfigDict, Field, WithJsonSchema

from moncompte.accounts.inputs import CAPTCHA_ANSWER, EMAIL, EMAIL_CONFIRMATION, Entry, Inputs, inputs_read
from moncompte.accounts.selectors import account_state_of
from moncompte.accounts.steps import AccountStep, NotAtThisStep, step_check
from moncompte.api import examples, texts
from moncompte.appsessions import tokens
from moncompte.captcha.errors import ChallengeGone
from moncompte.captcha.guard import CaptchaProof
from moncompte.core import clock
from moncompte.core.client import Client
from moncompte.core.client_address import client_address
from moncompte.core.errors import DomainError, TooManyAttempts
from moncompte.enrollment.errors import LinkUnknown
from moncompte.messaging.errors import MessageNotFound

Step = Annotated[AccountStep, WithJsonSchema({"type": "string", "enum": [step.value for step in AccountStep]})]


# The document's texts are French, for an app developer: a schema's docstring is its description there.
class InputProblem(Schema):
    """Une saisie refusée : ce que la page du site affiche à côté de ce champ."""

    code: str = Field(description="Code stable du refus de cette saisie (par exemple `postal_code_invalid`).")
    field: str | None = Field(description="Le champ refusé : le nom du membre JSON de la demande.")
    detail: str = Field(description="Le message en français à montrer à côté du champ, le même que sur le site.")


class Problem(Schema):
    """Une erreur, au format « problem details » (RFC 9457, `application/problem+json`)."""

    # RFC 9457; `errors` lists every refused input when there are several (as a page shows them all), the first
    # being the problem's own code, field and detail.
    model_config = ConfigDict(json_schema_extra={"examples": [examples.PROBLEM, examples.INVALID_INPUT]})

    type: str = Field(description="Le type du problème : `/api/v1/problemes/` suivi de `code`.")
    title: str = Field(description="Le résumé du problème, en français (ici, le même texte que `detail`).")
    status: int = Field(description="Le statut HTTP de la réponse.")
    detail: str = Field(description="Le message en français à montrer à la personne, le même que sur le site.")
    code: str = Field(
        description="Code stable du problème (par exemple `nir_invalid`, `captcha_wrong`, `token_refused`), à "
        "tester dans l'application : le texte de `detail` peut changer, pas lui."
    )
    field: str | None = Field(None, description="Le champ de la demande en cause (membre JSON, paramètre), ou null.")
    errors: list[InputProblem] = Field(
        [],
        description="Chaque saisie refusée, dans l'ordre du formulaire du site, quand la demande est refusée pour "
        "ses saisies ; avec `invalid_input` (une demande que le document ne permet pas), chaque membre en cause, "
        "une fois chacun, pour tout corriger d'un coup. Le premier est celui du problème lui-même (`field`). "
        "Absent pour les autres problèmes.",
    )
    next_step: Step | None = Field(
        None,
        description="Avec `wrong_step` (une opération d'une autre étape que celle du compte) et `account_not_active` "
        "(une opération du compte ouvert, avant son ouverture) : l'étape où en est le compte, où mener la personne, "
        "comme le `next_step` de la connexion. Absent pour les autres problèmes.",
    )


# The CAPTCHA's members of the identity step and of « Code oublié ? », capped alike; the answer is a typed input.
CaptchaId = Annotated[
    str, Field(max_length=200, description="Identifiant du défi anti-robot : `id` de la réponse de `POST /captcha`.")
]
CaptchaKey = Annotated[
    str,
    Field(
        max_length=100,
        description="Clé du défi anti-robot : `key` de la réponse de `POST /captcha`. Seule l'application qui a "
        "demandé le défi la connaît, et la réponse ne compte qu'avec elle.",
    ),
]
# R-CAP6: the ALTCHA solution, "" when none was made
CaptchaWork = Annotated[str, Field(max_length=4000, description=texts.PROOF_OF_WORK)]


class LinkSentOut(Schema):
    """Le lien de confirmation est parti."""

    email_masked: str = Field(
        description="L'adresse à laquelle le lien est parti, en partie masquée (« c•••••e@example.fr ») : de quoi "
        "la reconnaître."
    )


class AppBearer(HttpBearer):
    """An access token (or the restricted one of a provisional code); which operations each opens is
    checked by the operation."""

    openapi_description = (  # the security scheme's, in the document
        "Le jeton d'accès (`access_token`) d'une connexion, dans l'en-tête `Authorization: Bearer <jeton>`. Le jeton "
        "restreint du code provisoire n'ouvre ici que `DELETE /sessions/current` (ailleurs : 403, `restricted_scope`)."
    )

    def authenticate(self, request: HttpRequest, token: str) -> tokens.Bearer | None:
        now = clock.now()
        found = tokens.bearer_of(value=token, now=now)
        if found is None and tokens.access_expired(value=token, now=now):
            raise tokens.TokenExpired()  # 401 token_expired: refresh, rather than sign in again
        return found


class RestrictedBearer(HttpBearer):
    """The restricted token of a provisional code, as sent: the operation checks it itself, under a lock, so
    that a double submit or a retry gets the answer of the first (appsessions.personal_code)."""

    openapi_description = (
        "Le jeton restreint reçu à la connexion avec le code provisoire (`scope` = `choose_personal_code`), dans "
        "l'en-tête `Authorization: Bearer <jeton>`."
    )

    def authenticate(self, request: HttpRequest, token: str) -> str | None:
        return token or None


class RestrictedOnly(DomainError):
    code = "restricted_scope"
    message = "Avec le code provisoire, vous pouvez seulement choisir votre code personnel."


STATUS = {
    TooManyAttempts: 429,
    tokens.TokenRefused: 401,
    NotAtThisStep: 403,
    RestrictedOnly: 403,
    MessageNotFound: 404,
    ChallengeGone: 404,
    LinkUnknown: 404,
}


def status_of(error: DomainError) -> int:
    """429 for every refusal that says when to try again (too many attempts, a suspended sign-in)."""
    if getattr(error, "retry_after", None) is not None:
        return 429
    return next((code for kind, code in STATUS.items() if isinstance(error, kind)), 400)


def bearer(request: HttpRequest, *, restricted: bool = False) -> tokens.Bearer:
    """The session of the request's token; a restricted one opens only the personal code, and only it."""
    found = getattr(request, "auth", None)
    if not isinstance(found, tokens.Bearer):
        raise tokens.TokenRefused()
    if found.restricted != restricted:
        raise RestrictedOnly() if found.restricted else tokens.TokenRefused()
    return found


def at_step(request: HttpRequest, step: AccountStep) -> tokens.Bearer:
    """The session of the request's token, whose account is at `step` (accounts.steps), or 403."""
    session = bearer(request)
    step_check(account_state_of(account_id=session.account_id), step)
    return session


# What accounts.inputs reads as empty (str.strip's whitespace) or unreadable (NUL), spelled for JSON Schema's
# regular expressions, whose \s is not Python's: the document says which values are no answer at all.
_BLANK = "\\u0000\\t-\\r\\u001c-\\u0020\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
NOT_BLANK = f"^[^\\u0000]*[^{_BLANK}][^\\u0000]*$"
NO_NUL = "^[^\\u0000]*$"


def typed(entry: Entry, **default: Any) -> Any:
    """A schema member for a typed input: what it accepts and its label (texts.INPUTS), its cap and, for a
    required one, that it is not blank, in the document; only documented, so that such a value is refused with
    the web's code and message (`read`), not as a malformed request. The text is written when the document is
    made, as it may name a setting."""
    shape: dict[str, Any] = {"maxLength": entry.max_length, "pattern": NO_NUL}
    if entry.required:
        shape.update(minLength=1, pattern=NOT_BLANK if entry.strip else NO_NUL)

    def document(schema: dict[str, Any]) -> None:
        schema.update(shape, description=texts.input_text(entry))

    return Field(**default, json_schema_extra=document)


JSON = "application/json"


def documented(*, answers: Mapping[int, tuple[str, Any]], request: Mapping[str, Any] | None = None) -> Any:
    """The `openapi_extra` of an operation: the French description and example of each answer given by status,
    and the examples of its request body by their French summary."""
    extra: dict[str, Any] = {
        "responses": {
            status: {"description": text, **({} if value is None else {"content": {JSON: {"example": value}}})}
            for status, (text, value) in answers.items()
        }
    }
    if request:
        named = {_key(summary): {"summary": summary, "value": value} for summary, value in request.items()}
        extra["requestBody"] = {"content": {JSON: {"examples": named}}}
    return extra


def file_answer(kind: str, text: str) -> Any:
    """The `openapi_extra` of an operation that answers a file of type `kind`."""
    content = {kind: {"schema": {"type": "string", "contentMediaType": kind}}}
    return {"responses": {200: {"description": text, "content": content}}}


def _key(summary: str) -> str:
    """'Avec le code provisoire' -> 'avec_le_code_provisoire': an example's name, in ASCII."""
    plain = unicodedata.normalize("NFKD", summary).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", plain.lower()).strip("_")


class EmailIn(Schema):
    """Une adresse email saisie deux fois."""  # R-CT1

    email: str = typed(EMAIL)
    email_confirmation: str = typed(EMAIL_CONFIRMATION)


class CaptchaIn(Schema):
    """Les membres du défi anti-robot (`POST /captcha`) : son identifiant, sa clé, la réponse et la preuve de
    travail."""

    # The CAPTCHA's members of a step that asks it (the identity step, « Code oublié ? »), after the step's own:
    # the challenge and its key (POST /captcha), the answer, and the proof of work (R-CAP6).

    captcha_id: CaptchaId
    captcha_key: CaptchaKey
    captcha_answer: str = typed(CAPTCHA_ANSWER)
    captcha_work: CaptchaWork = ""

    def proof(self, typed_in: dict[str, Any]) -> CaptchaProof:
        """The proof for the use case, with the answer as the step's inputs read it."""
        return CaptchaProof(self.captcha_id, typed_in["captcha_answer"], self.captcha_key, self.captcha_work)


def read(inputs: Inputs, payload: Schema) -> dict[str, Any]:
    """The payload's inputs read by the domain's entries and checks, as the web's form reads the same fields;
    InputsRefused (a 400 problem) otherwise."""
    return inputs_read(inputs, payload.model_dump())


def client_of(request: HttpRequest, *, channel: str = "app") -> Client:
    """The caller: the ameli app, or ("internal") another service of the Assurance Maladie (R-MSG8)."""
    agent = request.headers.get("User-Agent", "")[:200]
    return Client(address=client_address(request), user_agent=agent, channel=channel)
