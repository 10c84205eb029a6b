"""What the API's operations share: the problem schema and the schemas of more than one module, the bearer
token, the client, the step check, and the reading of what a person typed (the domain's entries, as the web's
forms read them)."""

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Schema
from ninja.security import HttpBearer
from pydantic import Field

from moncompte.accounts.inputs import CAPTCHA_ANSWER, EMAIL, EMAIL_CONFIRMATION, Entry, Inputs, inputs_read
from moncompte.accounts.selectors import account_state_of
from moncompte.accounts.steps import AccountStep, NotAtThisStep, step_check
from moncompte.appsessions import tokens
from moncompte.captcha.guard import CaptchaProof
from moncompte.core import clock
from moncompte.core.client import Client
from moncompte.core.client_address import client_address
from moncompte.core.errors import DomainError, TooManyAttempts
from moncompte.messaging.errors import MessageNotFound


class InputProblem(Schema):
    """One refused input: what the web's page shows next to that field."""

    code: str
    field: str | None
    detail: str


class Problem(Schema):
    """RFC 9457 problem details; `errors` lists every refused input when there are several (as a page shows
    them all), the first being the problem's own code, field and detail."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    field: str | None = None
    errors: list[InputProblem] = []


# The CAPTCHA's members of the identity step and of « Code oublié ? », capped alike; the answer is a typed input.
CaptchaId = Annotated[str, Field(max_length=200)]
CaptchaKey = Annotated[str, Field(max_length=100)]
CaptchaWork = Annotated[str, Field(max_length=4000)]  # R-CAP6: the ALTCHA solution, "" when none was made


class LinkSentOut(Schema):
    email_masked: str


class AppBearer(HttpBearer):
    """An access token (or the restricted one of a provisional code); which operations each opens is
    checked by the operation."""

    def authenticate(self, request: HttpRequest, token: str) -> tokens.Bearer | None:
        return tokens.bearer_of(value=token, now=clock.now())


class RestrictedBearer(HttpBearer):
    """The restricted token of a provisional code, as sent: the operation checks it itself, under a lock, so
    that a double submit or a retry gets the answer of the first (appsessions.personal_code)."""

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
    """A schema member for a typed input: its label, cap and, for a required one, that it is not blank, in the
    document; only documented, so that such a value is refused with the web's code and message (`read`), not as
    a malformed request."""
    shape: dict[str, Any] = {"maxLength": entry.max_length, "pattern": NO_NUL}
    if entry.required:
        shape.update(minLength=1, pattern=NOT_BLANK if entry.strip else NO_NUL)
    return Field(**default, description=entry.label, json_schema_extra=shape)


class EmailIn(Schema):
    """An email address typed twice (R-CT1)."""

    email: str = typed(EMAIL)
    email_confirmation: str = typed(EMAIL_CONFIRMATION)


class CaptchaIn(Schema):
    """The CAPTCHA's members of a step that asks it (the identity step, « Code oublié ? »), after the step's own:
    the challenge and its key (POST /captcha), the answer, and the proof of work (R-CAP6)."""

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
