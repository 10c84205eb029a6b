"""R-BOT1: the desk's attack-mode page — its state, why and since when, the signals nearest their threshold,
the recent changes; supervisors switch it on or off there with a reason (support/attack_mode.py)."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path

from moncompte.core import clock
from moncompte.core.conf import conf
from moncompte.core.duration_phrases import duration_phrase
from moncompte.core.errors import DomainError
from moncompte.defence.selectors import attack_mode_overview
from moncompte.support.actions import Staff
from moncompte.support.attack_mode import attack_mode_set
from moncompte.support.roles import Role
from moncompte.web.views.desk import _staff, refusal_say, typed_take

CHOICES = {"activer": True, "desactiver": False}
FORM, FIELDS = "mode-attaque", ("action", "reason")  # filled again after a refusal


def pages(desk: Callable[..., Any]) -> list[URLPattern]:
    return [path("mode-attaque/", desk(desk_attack_mode), name="desk_attack_mode")]


def desk_attack_mode(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    """Every staff member sees it (people who call may be slowed by it); a POST switches it (supervisors)."""
    staff = _staff(request)
    if request.method == "POST":
        return _switch(request, staff)
    overview = attack_mode_overview(now=clock.now())
    page = {**context, "title": "Mode attaque", "overview": overview, "supervisor": staff.role is Role.SUPERVISOR}
    page["hold"] = duration_phrase(conf().attack_mode_supervisor_hold)
    page |= typed_take(request)
    return TemplateResponse(request, "web/desk_attack_mode.html", page)


def _switch(request: HttpRequest, staff: Staff) -> HttpResponse:
    choice = CHOICES.get(request.POST.get("action", ""))
    if choice is None:
        refusal_say(request, "Choisissez d'activer ou de désactiver le mode attaque.", form=FORM, fields=FIELDS)
        return redirect("admin:desk_attack_mode")
    try:
        attack_mode_set(active=choice, staff=staff, reason=request.POST.get("reason", ""), now=clock.now())
    except DomainError as refused:
        refusal_say(request, refused.message, form=FORM, fields=FIELDS)
    else:
        messages.success(request, f"Mode attaque {'activé' if choice else 'désactivé'} : c'est écrit au journal.")
    return redirect("admin:desk_attack_mode")
