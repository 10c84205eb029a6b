"""What the API's operations share: the problem schema, the bearer token, the client, the errors of the API."""

from django.http import HttpRequest
from ninja import Schema
from ninja.security import HttpBearer

from moncompte.appsessions import tokens
from moncompte.core import clock
from moncompte.core.client import Client
from moncompte.core.client_address import client_address
from moncompte.core.errors import DomainError, TooManyAttempts


class Problem(Schema):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    field: str | None = None


class AppBearer(HttpBearer):
    """An access token (or the restricted one of a provisional code); which operations each opens is
    checked by the operation."""

    def authenticate(self, request: HttpRequest, token: str) -> tokens.Bearer | None:
        return tokens.bearer_of(value=token, now=clock.now())


class AccountNotActive(DomainError):
    code = "account_not_active"
    message = "Votre compte n'est pas encore actif : terminez sa création."


class RestrictedOnly(DomainError):
    code = "restricted_scope"
    message = "Avec le code provisoire, vous pouvez seulement choisir votre code personnel."


STATUS = {TooManyAttempts: 429, tokens.TokenRefused: 401, AccountNotActive: 403, RestrictedOnly: 403}


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


def client_of(request: HttpRequest) -> Client:
    agent = request.headers.get("User-Agent", "")[:200]
    return Client(address=client_address(request), user_agent=agent, channel="app")
