"""R-API1: the ameli app's API, a second thin adapter over the web's use cases (django-ninja, OpenAPI 3.1 at
/api/v1/openapi.json, documentation at /api/v1/docs). Errors are RFC 9457 problem details carrying the same
French message as the web, the stable code and the field; throttled answers carry Retry-After."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, ValidationError
from ninja.responses import Status
from pydantic import Field

from moncompte.accounts import inputs
from moncompte.accounts.emails import Window
from moncompte.accounts.selectors import account_state_of, pending_email_of
from moncompte.accounts.steps import AccountStep, step_of
from moncompte.api import account, journey
from moncompte.api.common import AppBearer, Problem, at_step, client_of, read, status_of, typed
from moncompte.api.common import bearer as bearer_of_request
from moncompte.appsessions import tokens
from moncompte.core import clock
from moncompte.core.errors import DomainError, InputsRefused
from moncompte.enrollment.password_choose import password_choose
from moncompte.selfservice.selectors import account_overview
from moncompte.selfservice.sign_in import sign_in

WINDOW_MESSAGES = {
    Window.ACTIVE: "Cliquez sur le lien reçu par email pour confirmer votre adresse ; seul le plus récent fonctionne.",
    Window.EXPIRED: "Le lien n'est plus actif : demandez-en un nouveau, à la même adresse ou à une autre.",
    Window.FORGOTTEN: "Votre adresse n'est plus mémorisée : saisissez une adresse email valide.",
}


class SignInIn(Schema):
    nir: str = typed(inputs.NIR)
    code: str = typed(inputs.SIGN_IN_CODE)
    device_name: str = Field("appareil", max_length=100)


class TokensOut(Schema):
    token_type: str = "Bearer"  # noqa: S105 - the scheme's name, not a secret
    access_token: str
    expires_in: int
    refresh_token: str | None
    scope: str  # "choose_personal_code" (provisional code) or "account"
    next_step: str  # where the person is: choose_personal_code, give_contact_details, confirm_email, account
    message: str  # what the web would say on that step, in French


class RefreshIn(Schema):
    refresh_token: str = Field(max_length=200)


class PersonalCodeIn(Schema):
    password: str = typed(inputs.PASSWORD)
    confirmation: str = typed(inputs.CONFIRMATION)


class ConsentOut(Schema):
    channel: str
    label: str
    granted: bool | None


class AccountOut(Schema):
    first_name: str
    last_name: str
    email: str
    pending_email_masked: str
    mobile: str
    landline: str
    consents: list[ConsentOut]


class SessionOut(Schema):
    id: int
    device_name: str
    created_at: datetime
    last_used_at: datetime


class ProblemAPI(NinjaAPI):
    """The document says what the API sends: every error as application/problem+json (RFC 9457)."""

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> Any:
        document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for operations in document["paths"].values():
            for operation in operations.values():
                for status, answer in operation.get("responses", {}).items():
                    content = answer.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        content["application/problem+json"] = content.pop("application/json")
        return document


api = ProblemAPI(
    title="compte ameli — API de l'application",
    version="1",
    urls_namespace="api_v1",
    description="Le parcours de création du compte et le compte, pour l'application ameli. "
    "Erreurs au format RFC 9457 (problem details) : `code` stable, `detail` en français, `field` concerné.",
)


api.add_router("", journey.router)
api.add_router("", account.router)


def problem(
    request: HttpRequest, *, status: int, code: str, message: str, field: str | None, **extension: Any
) -> HttpResponse:
    body = {"type": f"/api/v1/problemes/{code}", "title": message, "status": status, "detail": message}
    response = api.create_response(request, {**body, "code": code, "field": field, **extension}, status=status)
    response["Content-Type"] = "application/problem+json"
    return response


@api.exception_handler(ValidationError)
def invalid_input(request: HttpRequest, error: ValidationError) -> HttpResponse:
    """A request the document does not allow: a 400 problem naming the first field at fault."""
    location = error.errors[0].get("loc", ()) if error.errors else ()
    field = str(location[-1]) if location else None
    message = "La demande est incomplète ou mal formée : vérifiez le champ indiqué."
    return problem(request, status=400, code="invalid_input", message=message, field=field)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    return problem(request, status=401, code=tokens.TokenRefused.code, message=tokens.TokenRefused.message, field=None)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, error: DomainError) -> HttpResponse:
    extension = {}
    if isinstance(error, InputsRefused):  # every refused input, as the page shows them all
        extension["errors"] = [
            {"code": each.code, "field": each.field, "detail": each.message} for each in error.errors
        ]
    status, code, field = status_of(error), error.code, error.field
    response = problem(request, status=status, code=code, message=error.message, field=field, **extension)
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None:
        response["Retry-After"] = str(max(1, int(retry_after.total_seconds())))
    return response


def _tokens_out(issued: tokens.IssuedTokens, *, account_id: int) -> dict[str, Any]:
    restricted = AccountStep.CHOOSE_PERSONAL_CODE
    step = restricted if issued.restricted else step_of(account_state_of(account_id=account_id))
    message = ""
    if step is AccountStep.CONFIRM_EMAIL:  # R-EM8: never the account before the email is confirmed; say which window
        message = WINDOW_MESSAGES[pending_email_of(account_id=account_id, now=clock.now()).window]
    return {
        "access_token": issued.access_token,
        "expires_in": issued.expires_in,
        "refresh_token": issued.refresh_token,
        "scope": restricted if issued.restricted else AccountStep.ACCOUNT,
        "next_step": step,
        "message": message,
    }


@api.post("/sessions", response={200: TokensOut, 400: Problem, 429: Problem}, tags=["session"])
def sessions_open(request: HttpRequest, payload: SignInIn) -> dict[str, Any]:
    """Signing in with the NIR and the provisional code (restricted token) or the personal code (token pair)."""
    now, typed_in = clock.now(), read(inputs.SIGN_IN, payload)
    signed = sign_in(nir=typed_in["nir"], secret=typed_in["code"], client=client_of(request), now=now)
    issued = tokens.session_open(
        account_id=signed.account_id,
        device_name=payload.device_name,
        epoch=signed.session_epoch,
        restricted_until=signed.restricted_until,
        now=now,
    )
    return _tokens_out(issued, account_id=signed.account_id)


@api.post("/sessions/refresh", response={200: TokensOut, 401: Problem}, tags=["session"])
def sessions_refresh(request: HttpRequest, payload: RefreshIn) -> dict[str, Any]:
    """A new pair; the refresh token given is used up. Given twice, the whole session is revoked."""
    issued = tokens.session_refresh(refresh_token=payload.refresh_token, client=client_of(request), now=clock.now())
    return _tokens_out(issued, account_id=issued.account_id)


@api.delete("/sessions/current", response={204: None, 401: Problem}, auth=AppBearer(), tags=["session"])
def sessions_close(request: HttpRequest) -> Status[None]:
    session = bearer_of_request(request, restricted=getattr(getattr(request, "auth", None), "restricted", False))
    tokens.session_revoke(session_id=session.session_id, because="signed_out", now=clock.now())
    return Status(204, None)


@api.get("/sessions", response={200: list[SessionOut], 401: Problem}, auth=AppBearer(), tags=["session"])
def sessions_list(request: HttpRequest) -> list[Any]:
    return tokens.sessions_of(account_id=bearer_of_request(request).account_id)


@api.post("/personal-code", response={200: TokensOut, 400: Problem, 401: Problem}, auth=AppBearer(), tags=["parcours"])
def personal_code_choose(request: HttpRequest, payload: PersonalCodeIn) -> dict[str, Any]:
    """R-CODE4: the only operation of the restricted token. The personal code ends it (R-LIM5): a pair comes back."""
    session, now = bearer_of_request(request, restricted=True), clock.now()
    chosen = password_choose(
        account_id=session.account_id,
        **read(inputs.PERSONAL_CODE, payload),
        client=client_of(request),
        now=now,
    )
    issued = tokens.session_continue(session_id=session.session_id, epoch=chosen.session_epoch, now=now)
    return _tokens_out(issued, account_id=chosen.account_id)


@api.get("/account", response={200: AccountOut, 401: Problem, 403: Problem}, auth=AppBearer(), tags=["compte"])
def account_get(request: HttpRequest) -> Any:
    session = at_step(request, AccountStep.ACCOUNT)
    return account_overview(account_id=session.account_id, now=clock.now())
