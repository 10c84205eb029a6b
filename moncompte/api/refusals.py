"""R-API3: every refusal each operation of the app's API can give, by its code, so that the OpenAPI document
lists under each status of each operation the codes an app may meet (in the problem's schema, `code` and each
`errors[].code` are enumerated). The domain's errors are named here, never their codes written again; the codes
of a request no operation's rules see (`invalid_input`, `request_too_large`, `unsupported_media_type`,
`server_error`, `service_unavailable`) are added to every operation they apply to."""

import copy
from collections.abc import Mapping, Sequence
from datetime import timedelta
from http import HTTPStatus
from typing import Any

from moncompte.accounts.consents import ConsentAnswerInvalid, ConsentAnswerMissing
from moncompte.accounts.emails import EmailAccentBeforeAt, EmailInvalid, EmailsDiffer, EmailTaken
from moncompte.accounts.inputs import InputMissing, InputTooLong, InputUnreadable
from moncompte.accounts.phones import PhoneInvalid
from moncompte.accounts.states import ConcurrentChange, TransitionNotAllowed
from moncompte.accounts.steps import AccountNotActive, NotAtThisStep
from moncompte.api import texts
from moncompte.api.common import STATUS, RestrictedOnly
from moncompte.api.messages import UnknownParameter
from moncompte.api.problems import HTTP_PROBLEMS, PROBLEM_TYPE, REFUSED_CODE_EXAMPLE
from moncompte.appsessions.tokens import TokenExpired, TokenRefused
from moncompte.captcha.errors import (
    CaptchaExpired,
    CaptchaMissing,
    CaptchaWrong,
    ChallengeGone,
    WorkOutdated,
    WorkRefused,
)
from moncompte.core.errors import DomainError, TooManyAttempts
from moncompte.enrollment.errors import (
    AccountAlreadyExists,
    CodeAlreadyUsed,
    CodeExpired,
    IdentityNotMatched,
    LinkExpired,
    LinkForgotten,
    LinkReplaced,
    LinkResendImpossible,
    LinkResendLimited,
    LinkUnknown,
    PasswordRefused,
    PersonalCodeChangedMeanwhile,
)
from moncompte.messaging.errors import MessageNotFound
from moncompte.registry.nir import (
    BirthDateImpossible,
    BirthDateInvalid,
    BirthDateNonexistent,
    NirBirthMismatch,
    NirInvalid,
    NirTemporary,
)
from moncompte.registry.postal_code import PostalCodeInvalid
from moncompte.selfservice.errors import (
    ConsentNotOffered,
    EmailUnchanged,
    SignInBlocked,
    SignInRejected,
    WrongCurrentPassword,
)

Refusals = tuple[type[DomainError], ...]

TYPED: Refusals = (InputMissing, InputTooLong, InputUnreadable)  # any typed input (accounts.inputs)
NIR: Refusals = (NirInvalid, NirTemporary)
BIRTH_DATE: Refusals = (BirthDateInvalid, BirthDateNonexistent, BirthDateImpossible, NirBirthMismatch)
CAPTCHA: Refusals = (CaptchaMissing, CaptchaWrong, CaptchaExpired, WorkRefused, WorkOutdated, TooManyAttempts)
EMAIL: Refusals = (EmailInvalid, EmailAccentBeforeAt)
EMAIL_PAIR: Refusals = (*EMAIL, EmailsDiffer)
CONSENTS: Refusals = (ConsentAnswerInvalid, ConsentAnswerMissing)
EMAIL_CLAIM: Refusals = (EmailTaken, TooManyAttempts, LinkResendLimited)  # an address claimed, a link sent
CURRENT_CODE: Refusals = (SignInBlocked, WrongCurrentPassword)
SIGNED_IN: Refusals = (TokenRefused, TokenExpired, RestrictedOnly)  # an access token (the restricted one opens one)
AT_STEP: Refusals = (*SIGNED_IN, NotAtThisStep)  # and an account at the operation's step (of the first visit)
IN_ACCOUNT: Refusals = (*SIGNED_IN, AccountNotActive)  # and an active account
RACE: Refusals = (TransitionNotAllowed, ConcurrentChange)  # the account moved on meanwhile (another window)

# By operation id (the handler's name, as the document names the operation).
REFUSALS: Mapping[str, Refusals] = {
    "captcha_new": (TooManyAttempts,),
    "captcha_image": (ChallengeGone, TooManyAttempts),
    "captcha_audio": (ChallengeGone, TooManyAttempts),
    "identity_submit": (
        *TYPED,
        *NIR,
        *BIRTH_DATE,
        PostalCodeInvalid,
        *EMAIL,
        *CAPTCHA,
        IdentityNotMatched,
        AccountAlreadyExists,
        *RACE,
    ),
    "personal_code_choose": (*TYPED, TokenRefused, PasswordRefused, *RACE),
    "contact_details_submit": (*TYPED, *EMAIL_PAIR, PhoneInvalid, *CONSENTS, *AT_STEP, *EMAIL_CLAIM, *RACE),
    "email_confirm": (LinkExpired, LinkReplaced, LinkForgotten, LinkUnknown, *RACE),
    "email_resend": (*AT_STEP, LinkResendImpossible, LinkResendLimited, *RACE),
    "email_replace": (*TYPED, *EMAIL_PAIR, *AT_STEP, *EMAIL_CLAIM, *RACE),
    "sessions_open": (*TYPED, *NIR, SignInRejected, SignInBlocked, CodeExpired, CodeAlreadyUsed),
    "sessions_refresh": (TokenRefused,),
    "sessions_close": (TokenRefused, TokenExpired),
    "sessions_list": SIGNED_IN,
    "account_get": IN_ACCOUNT,
    "consent_put": (*IN_ACCOUNT, ConsentNotOffered),
    "phones_put": (InputTooLong, InputUnreadable, PhoneInvalid, *CONSENTS, *IN_ACCOUNT),
    "email_change": (*TYPED, *EMAIL_PAIR, *CURRENT_CODE, *IN_ACCOUNT, EmailUnchanged, *EMAIL_CLAIM, *RACE),
    "personal_code_change": (
        *TYPED,
        *CURRENT_CODE,
        *IN_ACCOUNT,
        PasswordRefused,
        PersonalCodeChangedMeanwhile,
        *RACE,
    ),
    "code_forgot_request": (*TYPED, *NIR, *BIRTH_DATE, *CAPTCHA),
    "messages_list": (*IN_ACCOUNT, UnknownParameter),
    "message_get": (*IN_ACCOUNT, MessageNotFound),
    "message_remove": (*IN_ACCOUNT, MessageNotFound),
}
THROTTLED: Refusals = (TooManyAttempts, SignInBlocked, LinkResendLimited)  # they say when to try again


def status_of_kind(kind: type[DomainError]) -> int:
    """The status of every error of this kind (api.common.status_of gives an error's own)."""
    if issubclass(kind, THROTTLED):
        return 429
    return next((status for known, status in STATUS.items() if issubclass(kind, known)), 400)


def codes_by_status(kinds: Sequence[type[DomainError]]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for kind in kinds:
        codes = found.setdefault(status_of_kind(kind), [])
        if kind.code not in codes:
            codes.append(kind.code)
    return found


# What each status means, said in the document before its codes.
SAID = {
    400: "Demande refusée : saisie mal formée ou refusée par les règles du service",
    401: "Jeton absent, expiré ou refusé",
    403: "Opération refusée à l'étape où en est le compte, ou avec ce jeton",
    404: "Introuvable",
    413: "Demande trop volumineuse",
    415: "Corps de la demande qui n'est pas envoyé en JSON",
    429: "Trop de tentatives : réessayer après le délai de l'en-tête `Retry-After`",
    500: "Erreur du service",
    503: "Service momentanément indisponible : réessayer après le délai de l'en-tête `Retry-After`",
}

CHALLENGE = (  # RFC 6750 §3
    '`Bearer` quand la demande ne présentait aucun jeton ; `Bearer error="invalid_token"` quand le jeton '
    "présenté est refusé ou expiré."
)


def _answer(operation: dict[str, Any], status: int) -> dict[str, Any]:
    """The operation's answer for `status`, as a problem document (added when the operation did not say it)."""
    answers = operation.setdefault("responses", {})
    # A copy: django-ninja's answers (and the ones api.app adds) share their members between operations.
    answer = answers[status] = copy.deepcopy(answers.get(status) or {})
    if answer.get("description", HTTPStatus(status).phrase) == HTTPStatus(status).phrase:  # django-ninja's English
        answer["description"] = SAID.get(status, "Erreur")
    if status == 401:
        answer["headers"] = {"WWW-Authenticate": {"description": CHALLENGE, "schema": {"type": "string"}}}
    content = answer.setdefault("content", {})
    content.setdefault(PROBLEM_TYPE, {}).setdefault("schema", {"$ref": "#/components/schemas/Problem"})
    content.pop("application/json", None)
    return answer


def _codes_said(answer: dict[str, Any], codes: list[str], *, inputs: bool) -> None:
    """The codes of this answer, in its schema (the problem's `code`, and each `errors[].code` for the refused
    inputs of a 400) and in its text."""
    media = answer["content"][PROBLEM_TYPE]
    enum = {"type": "string", "enum": codes}
    said: dict[str, Any] = {"code": enum}
    if inputs:
        said["errors"] = {"type": "array", "items": {"properties": {"code": enum}}}
    media["schema"] = {"allOf": [media["schema"]], "properties": said}
    answer["description"] += " — codes : " + ", ".join(f"`{code}`" for code in codes)


OUTSIDE_OPERATIONS = (
    "\n\nHors de toute opération, au même format : une adresse inconnue sous `/api/` répond 404 (`not_found`), une "
    "méthode qu'une adresse ne prend pas 405 (`method_not_allowed`, avec l'en-tête `Allow`)."
)


# How the examples' errors are made: most with nothing, those that say when to try again with a wait (the resent
# link's also says whether the day's count is reached).
EXAMPLE_WAIT = timedelta(minutes=15)
EXAMPLE_ARGUMENTS: tuple[tuple[tuple[Any, ...], dict[str, Any]], ...] = (
    ((), {}),
    ((EXAMPLE_WAIT,), {}),
    ((), {"retry_after": EXAMPLE_WAIT, "daily": False}),
)
# The problems whose example is a whole document of its own (api.problems), rather than made from the error's words.
WHOLE_EXAMPLES: Mapping[str, dict[str, Any]] = {PasswordRefused.code: REFUSED_CODE_EXAMPLE}


def words_of(kind: type[DomainError]) -> tuple[str, str | None] | None:
    """What a problem of this kind says, in the app's words (texts.IN_THE_APP), for an example; None for the
    errors whose message is made from the request (a typed input's label, the rules a code breaks, the step)."""
    for args, options in EXAMPLE_ARGUMENTS:
        try:
            error = kind(*args, **options)
        except TypeError:
            continue
        break
    else:
        return None
    if error.message == DomainError.message:  # the message is the input's own (accounts.inputs)
        return None
    return texts.app_wording(code=error.code, message=error.message, field=error.field)


def _example(problems: str, status: int, codes: list[str], said: Mapping[str, tuple[str, str | None]]) -> Any:
    """A problem of this answer: of its status, with one of its codes — a domain error's where one can be shown
    (said's first keys), else one of a request no operation's rules see."""
    whole = [code for code in codes if code in WHOLE_EXAMPLES]
    if whole:
        return WHOLE_EXAMPLES[whole[0]]
    code = next((code for code in said if code in codes), None)
    if code is None:
        return None
    message, field = said[code]
    return {"type": f"{problems}{code}", "title": message, "status": status, "detail": message, "code": code,
            "field": field}  # fmt: skip


def refusals_document(document: dict[str, Any], table: Mapping[str, Refusals] | None, *, problems: str) -> None:
    """Every error each operation can give, under its status, with its codes (`table` lists the domain's, by
    operation id; without it, only the statuses of a request no operation's rules see) and an example of its own
    (`problems`: where the API's problem types are)."""
    document["info"]["description"] += OUTSIDE_OPERATIONS
    for operations in document["paths"].values():
        for operation in operations.values():
            kinds = (table or {}).get(operation["operationId"], ())
            found = codes_by_status(kinds)
            said = {kind.code: words for kind in kinds if (words := words_of(kind)) is not None}
            for unread in HTTP_PROBLEMS.values():  # after the domain's: their examples come first
                said.setdefault(unread.code, (unread.message, None))
            if "requestBody" in operation or operation.get("parameters"):
                found.setdefault(400, []).insert(0, HTTP_PROBLEMS[400].code)
            if "requestBody" in operation:
                found[413], found[415] = [HTTP_PROBLEMS[413].code], [HTTP_PROBLEMS[415].code]
            found[500], found[503] = [HTTP_PROBLEMS[500].code], [HTTP_PROBLEMS[503].code]
            for status, codes in found.items():
                answer = _answer(operation, status)
                if table is not None:
                    _codes_said(answer, list(dict.fromkeys(codes)), inputs=status == 400)
                example = _example(problems, status, codes, said)
                if example is not None:
                    answer["content"][PROBLEM_TYPE]["example"] = example
            if table is not None:  # an error status the operation declared but cannot answer (no code) is not said
                for status in [status for status in operation["responses"] if int(status) >= 400]:
                    if int(status) not in found:
                        del operation["responses"][status]
            operation["responses"] = dict(sorted(operation["responses"].items(), key=lambda item: int(item[0])))
