"""R-API3: under /api/ every error is a problem document (RFC 9457, with its `code`), also when no operation
answered: an unknown address (404), a method the address does not take (405), a request Django refused before any
operation (400), a server error (500) or the database out (503) get the problem of their status
(api.problems.HTTP_PROBLEMS), never one of the site's HTML pages. An address outside both APIs (`/api/v2/…`,
`/api/nope`) gets the app's API's problem, one under `/api/interne/` the internal API's."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from moncompte.api.app import ProblemAPI, api
from moncompte.api.internal import internal_api
from moncompte.api.problems import ANY_OTHER, HTTP_PROBLEMS, PROBLEM_TYPE

# Where each API is mounted (moncompte/config/urls.py).
MOUNTED: tuple[tuple[str, ProblemAPI], ...] = (("/api/v1/", api), ("/api/interne/v1/", internal_api))
# Whose problems the addresses under each prefix get, the longest prefix first: the API's own addresses, then the
# rest of the internal API's prefix, then anything else under /api/ (the app's API, whose document is the public one).
PREFIXES: tuple[tuple[str, tuple[str, ProblemAPI]], ...] = (
    *((root, (root, owner)) for root, owner in MOUNTED),
    ("/api/interne/", MOUNTED[1]),
    ("/api/", MOUNTED[0]),
)
KEPT = ("Allow", "Retry-After")  # what the answer replaced said, that the problem says too


def api_of(request: HttpRequest) -> tuple[str, ProblemAPI] | None:
    """Where the API that the request's address belongs to is mounted, and that API (None outside /api/)."""
    path = request.path_info
    return next(
        (mounted for prefix, mounted in PREFIXES if path.startswith(prefix) or path == prefix.rstrip("/")), None
    )


def api_problems(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if response.status_code < 400 or response.get("Content-Type", "").startswith(PROBLEM_TYPE):
            return response
        mounted = api_of(request)
        if mounted is None:
            return response
        root, owner = mounted
        said = HTTP_PROBLEMS.get(response.status_code, ANY_OTHER)
        message = said.message
        if response.status_code == 404:
            message = f"Aucune opération de l'API n'a cette adresse : le document {root}openapi.json les donne toutes."
        if response.status_code == 405 and response.get("Allow"):  # django-ninja's come in any order
            response["Allow"] = ", ".join(sorted(method.strip() for method in response["Allow"].split(",")))
            message = f"Cette adresse ne prend pas la méthode {request.method} : elle prend {response['Allow']}."
        problem = owner.problem(request, status=response.status_code, code=said.code, message=message, field=None)
        for header in KEPT:
            if header in response:
                problem[header] = response[header]
        return problem

    return middleware
