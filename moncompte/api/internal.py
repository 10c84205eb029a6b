"""R-MSG8, R-MSG9: the internal API (`/api/interne/v1/`, not the app's) for the Assurance Maladie's other
services: a credential per service (Bearer), every call audited; one call posts one message to up to 10,000
people by NIR under an idempotency key and answers per person."""

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Schema
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import HttpBearer
from pydantic import Field

from moncompte.api.app import ProblemAPI
from moncompte.api.common import Problem, client_of
from moncompte.core import clock
from moncompte.core.client import Client
from moncompte.core.errors import DomainError
from moncompte.messaging import services
from moncompte.messaging.bulk import IdempotencyKeyReused, messages_post_to_nirs
from moncompte.messaging.models import MessageKind
from moncompte.messaging.post import LetterText

internal_api = ProblemAPI(
    problems="/api/interne/v1/problemes/",
    title="compte ameli — API interne des services de l'Assurance Maladie",
    version="1",
    urls_namespace="api_internal",
    description="Dépôt de messages dans « Ma messagerie » par les services de l'Assurance Maladie. Un accès par "
    "service (`Authorization: Bearer mcs_…`), chaque appel écrit au journal. Erreurs au format RFC 9457.",
)
STATUS = {services.CredentialRefused: 401, services.ScopeMissing: 403, IdempotencyKeyReused: 409}


class ServiceBearer(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> services.ServiceCaller:
        return services.credential_of(token=token[:200], client=client_of(request, channel="internal"), now=clock.now())


class PostingIn(Schema):
    idempotency_key: Annotated[str, Field(min_length=8, max_length=200)]
    subject: Annotated[str, Field(max_length=1000)]
    body: Annotated[str, Field(max_length=100_000)]
    kind: Literal["normal", "promotional"] = "normal"
    nirs: Annotated[list[Annotated[str, Field(max_length=30)]], Field(max_length=10_000)]


class PersonAnswer(Schema):
    nir: str
    result: str


class PostingOut(Schema):
    replayed: bool
    counts: dict[str, int]
    results: list[PersonAnswer]


ANSWERS = {200: PostingOut, 400: Problem, 401: Problem, 403: Problem, 409: Problem}


@internal_api.post("/messages", response=ANSWERS, auth=ServiceBearer())
def messages_post(request: HttpRequest, payload: PostingIn) -> Any:
    """One message to each NIR (an active account), at most 10,000 per call; the same `idempotency_key` again
    gives the first call's answer and posts nothing (`replayed`), with another request it is refused (409)."""
    caller, now, client = getattr(request, "auth", None), clock.now(), client_of(request, channel="internal")
    assert isinstance(caller, services.ServiceCaller)
    kind, key = MessageKind(payload.kind), payload.idempotency_key
    try:
        caller.require(services.Scope.PROMOTIONAL if kind == MessageKind.PROMOTIONAL else services.Scope.POST)
        letter = LetterText(payload.subject, payload.body, caller.service, kind)
        posted = messages_post_to_nirs(
            service=caller.service, idempotency_key=key, letter=letter, nirs=payload.nirs, client=client, now=now
        )
    except DomainError as error:
        _audit(caller, client, now, outcome=error.code, idempotency_key=key)
        raise
    _audit(
        caller, client, now, outcome="replayed" if posted.replayed else "ok", idempotency_key=key, counts=posted.counts
    )
    results = [{"nir": nir, "result": result} for nir, result in posted.answers]
    return {"replayed": posted.replayed, "counts": posted.counts, "results": results}


def _audit(caller: services.ServiceCaller, client: Client, now: datetime, **details: Any) -> None:
    services.internal_call_audit(caller=caller, operation="messages_post", client=client, now=now, **details)


@internal_api.exception_handler(DomainError)
def domain_error(request: HttpRequest, error: DomainError) -> HttpResponse:
    status = next((code for kind, code in STATUS.items() if isinstance(error, kind)), 400)
    return internal_api.problem(request, status=status, code=error.code, message=error.message, field=error.field)


@internal_api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    """No Bearer token at all (a refused one is a CredentialRefused, audited where it is checked)."""
    services.credential_absent(client=client_of(request, channel="internal"), now=clock.now())
    refused = services.CredentialRefused()
    return internal_api.unauthenticated(request, code=refused.code, message=refused.message)


@internal_api.exception_handler(ValidationError)
def invalid_input(request: HttpRequest, error: ValidationError) -> HttpResponse:
    return internal_api.invalid_input(request, error)
