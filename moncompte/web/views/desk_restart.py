"""R-BOT2: the four-eyes restart of an enrollment on the desk — requested on the person's page by a supervisor,
approved or rejected there by another; the list of requests waiting for a second supervisor."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from moncompte.core import clock
from moncompte.core.duration_phrases import duration_phrase
from moncompte.core.errors import DomainError
from moncompte.support import restarts
from moncompte.support.roles import Role
from moncompte.web.views.desk import _reason_for, _staff, refusal_say

DECISIONS: dict[str, Callable[..., object]] = {"valider": restarts.restart_approve, "refuser": restarts.restart_reject}


def pages(desk: Callable[..., Any]) -> list[URLPattern]:
    """The desk's restart pages, before the person's generic actions (whose slug would take « reprise »)."""
    return [
        path("reprises/", desk(desk_restarts), name="desk_restarts"),
        path("personnes/<int:account_id>/reprise/", desk(desk_restart_request), name="desk_restart_request"),
        path(
            "personnes/<int:account_id>/reprise/<int:request_id>/<slug:decision>/",
            desk(desk_restart_decide),
            name="desk_restart_decide",
        ),
    ]


def _back(request: HttpRequest, account_id: int) -> HttpResponse | None:
    """Only a POST, on a person opened with a search and its reason (as every desk action)."""
    if request.method != "POST":
        raise PermissionDenied
    if _reason_for(request, account_id) is None:
        return redirect(reverse("admin:desk_search") + f"?q={account_id}")
    return None


def desk_restart_request(request: HttpRequest, context: dict[str, Any], account_id: int) -> HttpResponse:
    staff, data = _staff(request), request.POST
    if (elsewhere := _back(request, account_id)) is not None:
        return elsewhere
    try:
        made = restarts.restart_request(
            account_id=account_id, staff=staff, reason=data.get("reason", ""), now=clock.now(),
            identity_checked=data.get("identity_checked") == "oui", identity_document=data.get("document", ""),
        )  # fmt: skip
    except DomainError as refused:
        refusal_say(request, refused.message, form="reprise", fields=("identity_checked", "document", "reason"))
    else:
        messages.success(request, _requested(made.expires_at - made.requested_at))
    return redirect("admin:desk_person", account_id=account_id)


def _requested(lifetime: timedelta) -> str:
    return (
        "Demande enregistrée et écrite au journal. Un autre superviseur doit la valider dans les "
        f"{duration_phrase(lifetime)} ; rien n'est changé sur le compte d'ici là."
    )


def desk_restart_decide(
    request: HttpRequest, context: dict[str, Any], account_id: int, request_id: int, decision: str
) -> HttpResponse:
    staff, decide = _staff(request), DECISIONS.get(decision)
    if decide is None:
        raise PermissionDenied
    if (elsewhere := _back(request, account_id)) is not None:
        return elsewhere
    extra = {"reason": request.POST.get("reason", "")} if decision == "refuser" else {}
    try:
        decide(request_id=request_id, account_id=account_id, staff=staff, now=clock.now(), **extra)
    except DomainError as refused:
        refusal_say(request, refused.message, form=f"reprise-{decision}", fields=("reason",))
    else:
        messages.success(request, DONE[decision])
    return redirect("admin:desk_person", account_id=account_id)


DONE = {
    "valider": (
        "Reprise faite : sessions et appareils déconnectés, coordonnées et code personnel effacés, ancienne adresse "
        "prévenue. La personne recommence maintenant à l'étape « Mon identité », avec sa propre adresse email."
    ),
    "refuser": "Demande refusée, écrite au journal. Rien n'a été changé sur le compte.",
}


def desk_restarts(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    """Supervisors only: what waits for a second pair of eyes."""
    if _staff(request).role is not Role.SUPERVISOR:
        raise PermissionDenied
    page = {
        **context,
        "title": "Reprises de création en attente",
        "waiting": restarts.restarts_pending(now=clock.now()),
    }
    return TemplateResponse(request, "web/desk_restarts.html", page)
