"""R-API1: the ameli app's API, a second thin adapter over the web's use cases (django-ninja, OpenAPI 3.1 at
/api/v1/openapi.json, documentation at /api/v1/docs): its set-up, its routers, and its errors as RFC 9457
problem details carrying the same French message as the web, the stable code and the field; throttled answers
carry Retry-After."""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.operation import Operation

from moncompte.accounts.steps import NotAtThisStep
from moncompte.api import account, journey, links, messages, sessions, texts
from moncompte.api.common import status_of
from moncompte.api.docs import ApiDocs
from moncompte.api.problems import HTTP_PROBLEMS, JsonBody, NotJson, invalid_members, personal_code_rules
from moncompte.api.refusals import REFUSALS, Refusals, refusals_document
from moncompte.appsessions import tokens
from moncompte.core.conf import conf
from moncompte.core.errors import DomainError, InputsRefused
from moncompte.core.outage import SERVICE_OUT, outage_logged

BEARER_REFUSED = 'Bearer error="invalid_token"'


def bearer_presented(request: HttpRequest) -> bool:
    return request.headers.get("Authorization", "").lower().startswith("bearer ")


class ProblemAPI(NinjaAPI):
    """The document says what the API sends: every error as application/problem+json (RFC 9457), its `type`
    under `problems` (the app's API and the services' internal API each have theirs)."""

    def __init__(self, *, problems: str, refusals: Mapping[str, Refusals] | None = None, **options: Any) -> None:
        super().__init__(parser=JsonBody(), **options)
        self.problems = problems
        self.refusals = refusals  # each operation's domain errors (api.refusals), for the document
        self.add_exception_handler(HttpError, self.unreadable)
        self.add_exception_handler(RequestDataTooBig, self.too_large)
        for out in SERVICE_OUT:
            self.add_exception_handler(out, self.service_out)

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> Any:
        document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        problem = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
        for operations in document["paths"].values():
            for operation in operations.values():
                answers = operation.setdefault("responses", {})
                if "requestBody" in operation or operation.get("parameters"):  # invalid_input (below)
                    answers.setdefault(400, {"description": "Bad Request", **problem})
                answers.setdefault(503, {"description": "Service Unavailable", **problem})  # service_out
                for status, answer in operation.get("responses", {}).items():
                    content = answer.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        content["application/problem+json"] = content.pop("application/json")
        refusals_document(document, self.refusals, problems=self.problems)
        return document

    def get_openapi_operation_id(self, operation: Operation) -> str:
        """The handler's name alone (ninja prefixes its module): moving a handler leaves the document as it was."""
        return operation.view_func.__name__

    def problem(
        self, request: HttpRequest, *, status: int, code: str, message: str, field: str | None, **extension: Any
    ) -> HttpResponse:
        body = {"type": f"{self.problems}{code}", "title": message, "status": status, "detail": message}
        response = self.create_response(request, {**body, "code": code, "field": field, **extension}, status=status)
        response["Content-Type"] = "application/problem+json"
        if status == 401:  # RFC 6750 §3: the scheme, and that the token presented was refused
            response["WWW-Authenticate"] = BEARER_REFUSED
        return response

    def service_out(self, request: HttpRequest, error: Exception | type[Exception]) -> HttpResponse:
        """R-API1: the database or Redis that refused, dropped or timed out the connection is a 503 that says
        when to come back, as the web's page does (R-A11Y6), not a server error."""
        if isinstance(error, BaseException):
            outage_logged(error, answered="réponse de l'API")
        message = "Le service est momentanément indisponible : réessayez dans quelques minutes."
        response = self.problem(request, status=503, code="service_unavailable", message=message, field=None)
        response["Retry-After"] = str(int(conf().outage_retry_after.total_seconds()))
        return response

    def unauthenticated(self, request: HttpRequest, *, code: str, message: str) -> HttpResponse:
        """No bearer token (the challenge alone, RFC 6750 §3.1), or one the operation's scheme refused."""
        response = self.problem(request, status=401, code=code, message=message, field=None)
        if not bearer_presented(request):
            response["WWW-Authenticate"] = "Bearer"
        return response

    def unreadable(self, request: HttpRequest, error: Any) -> HttpResponse:  # an HttpError
        """A body that is no JSON at all (django-ninja's own 400): a problem like every other refusal; one sent as
        something else than JSON (a form, text), a 415 that says what to send."""
        if error.status_code != 400:
            raise error
        if isinstance(error.__cause__, NotJson):
            said = HTTP_PROBLEMS[415]
            return self.problem(request, status=415, code=said.code, message=said.message, field=None)
        message = "La demande n'a pas pu être lue : le corps doit être un document JSON."
        return self.problem(request, status=400, code="invalid_input", message=message, field=None)

    def too_large(self, request: HttpRequest, error: Any) -> HttpResponse:  # RequestDataTooBig
        said = HTTP_PROBLEMS[413]
        return self.problem(request, status=413, code=said.code, message=said.message, field=None)

    def invalid_input(self, request: HttpRequest, error: ValidationError) -> HttpResponse:
        """A request the document does not allow: a 400 problem naming the first member at fault in `field`, and
        every one in `errors` (R-API4)."""
        members = invalid_members(list(error.errors))
        field = members[0]["field"] if members else None
        message = "La demande est incomplète ou mal formée : vérifiez les champs indiqués."
        return self.problem(request, status=400, code="invalid_input", message=message, field=field, errors=members)


api = ProblemAPI(
    problems="/api/v1/problemes/",
    refusals=REFUSALS,
    title="compte ameli — API de l'application",
    version="1",
    urls_namespace="api_v1",
    description=texts.GUIDE,
    openapi_extra={"tags": texts.TAGS},
    docs=ApiDocs(),
)


api.add_router("", journey.router)
api.add_router("", links.router)
api.add_router("", sessions.router)
api.add_router("", account.router)
api.add_router("", messages.router)


def problem(
    request: HttpRequest, *, status: int, code: str, message: str, field: str | None, **extension: Any
) -> HttpResponse:
    return api.problem(request, status=status, code=code, message=message, field=field, **extension)


@api.exception_handler(ValidationError)
def invalid_input(request: HttpRequest, error: ValidationError) -> HttpResponse:
    return api.invalid_input(request, error)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    return api.unauthenticated(request, code=tokens.TokenRefused.code, message=tokens.TokenRefused.message)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, error: DomainError) -> HttpResponse:
    extension: dict[str, Any] = {}
    if isinstance(error, InputsRefused):  # every refused input, as the page shows them all
        refused = [(each.code, *worded(each)) for each in error.errors]
        extension["errors"] = [{"code": code, "field": field, "detail": detail} for code, detail, field in refused]
    extension.update(personal_code_rules(error))  # R-PW7: which rules, as the checklist names them
    if isinstance(error, NotAtThisStep):  # where the account is: where the app leads the person
        extension["next_step"] = error.next_step
    status, code, (message, field) = status_of(error), error.code, worded(error)
    response = problem(request, status=status, code=code, message=message, field=field, **extension)
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None:
        response["Retry-After"] = str(max(1, int(retry_after.total_seconds())))
    return response


def worded(error: DomainError) -> tuple[str, str | None]:
    """The error's message and field, in the app's words where the web's speak of its page (texts.IN_THE_APP)."""
    return texts.app_wording(code=error.code, message=error.message, field=error.field)
