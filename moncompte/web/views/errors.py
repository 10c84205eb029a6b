"""Error pages: French, in the site's layout, with a way back (R-A11Y6). None of them reads the database,
so the 500 page still shows when the database is down, and a database or a Redis that does not answer is told
as a 503 « Service momentanément indisponible » with Retry-After, not as a server error."""

import sys
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from moncompte.core.conf import conf
from moncompte.core.outage import SERVICE_OUT, outage_take_back
from moncompte.core.request_context import current_request_id
from moncompte.core.service_terms import service_terms

PAGES = {
    400: ("Requête incorrecte", "Le formulaire envoyé n'a pas pu être lu. Revenez en arrière et essayez de nouveau."),
    403: ("Accès refusé", "Cette page ne vous est pas accessible."),
    404: ("Page introuvable", "L'adresse demandée n'existe pas, ou plus. Vérifiez-la, ou repartez de l'accueil."),
    405: ("Action impossible", "Cette page ne peut pas être utilisée de cette façon. Repartez de l'accueil."),
    500: (
        "Le service rencontre un problème",
        "Une erreur est survenue de notre côté. Ce que vous avez saisi n'a peut-être pas été enregistré : "
        "réessayez dans quelques minutes.",
    ),
    503: (
        "Service momentanément indisponible",
        "Le service ne peut pas vous répondre pour le moment. Ce que vous venez d'envoyer n'a peut-être pas été "
        "enregistré : réessayez dans quelques minutes.",
    ),
}


def error_page(status: int) -> HttpResponse:
    title, message = PAGES[status]
    context: dict[str, Any] = {
        "title": title,
        "message": message,
        "request_id": current_request_id() if status >= 500 else "",
        "demo": settings.DEMO,
        "terms": service_terms(),
        "signed_in_unread": None,  # no session read here: the header shows no message count
    }
    # Rendered without the request: no context processor, no session, no database.
    return HttpResponse(render_to_string("web/error.html", context), status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(404)


def server_error(request: HttpRequest) -> HttpResponse:
    """Django calls it while handling the exception: the database or Redis out is a 503 that says when to come
    back, and takes back what the request registered for that (core/outage.take_back_if_out)."""
    if not isinstance(sys.exception(), SERVICE_OUT):
        return error_page(500)
    outage_take_back()
    return unavailable(error_page(503))


def unavailable(response: HttpResponse) -> HttpResponse:
    """A 503 that says when to come back, kept by no cache."""
    response.status_code = 503
    response["Retry-After"] = str(int(conf().outage_retry_after.total_seconds()))
    response["Cache-Control"] = "no-store"
    return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    context = {"demo": settings.DEMO, "terms": service_terms(), "signed_in_unread": None}
    return HttpResponse(render_to_string("web/csrf_failure.html", context), status=403)
