"""R-SUP1..4: the support desk, inside /support/ (staff sign-in with second factor; see admin_site.py).

Every page opened on a person and every action is audited with the staff member and the reason typed."""

import functools
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from moncompte.audit import log as audit
from moncompte.core import clock
from moncompte.core.conf import conf
from moncompte.core.duration_phrases import duration_phrase
from moncompte.core.errors import DomainError
from moncompte.support import action_said, actions
from moncompte.support.diagnosis import CHECKLIST, Finding, diagnose
from moncompte.support.mail_servers import mail_servers_seen
from moncompte.support.models import IdentityDocument
from moncompte.support.person_file import PersonFile, account_exists, person_file_of
from moncompte.support.roles import Role, role_of
from moncompte.support.search import person_search
from moncompte.web import session

REASONS = "desk_reasons"  # in the staff member's session: the reason typed for each person opened
TYPED = "desk_typed"  # in the session until the next page: what a refused form held, to fill it again


def refusal_say(request: HttpRequest, message: str, *, form: str, fields: tuple[str, ...]) -> None:
    """A desk form was refused: the refusal is said on the page it goes back to, and what was typed in the form
    (never a password) fills it again there."""
    messages.error(request, message)
    request.session[TYPED] = {"form": form, "values": {name: request.POST.get(name, "") for name in fields}}


def typed_take(request: HttpRequest) -> dict[str, Any]:
    """`typed_form` (the refused form, or "") and `typed` (its values; "" for any other), for the page."""
    kept = request.session.pop(TYPED, {})
    return {"typed_form": kept.get("form", ""), "typed": defaultdict(str, kept.get("values", {}))}


def _staff(request: HttpRequest) -> actions.Staff:
    role = role_of(request.user)
    if role is None:
        raise PermissionDenied
    return actions.Staff(username=request.user.get_username(), role=role, client=session.client_of(request))


def desk_search(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    """A POST (with its CSRF token): a search writes to the audit log, so no other site may make one."""
    staff, data = _staff(request), request.POST if request.method == "POST" else {}
    # A NUL would reach PostgreSQL (search, audit log) and fail there: cleaned like every reason of the desk.
    query, reason = data.get("q", "").replace("\x00", ""), actions.reason_clean(data.get("motif", ""))
    found, reason_missing = _found(request, staff, query, reason) if query else ([], False)
    if len(found) == 1:
        return redirect("admin:desk_person", account_id=found[0])
    query = query or request.GET.get("q", "")  # coming back from a page opened without its reason
    page = {**context, "title": "Rechercher une personne", "query": query, "reason": reason, "found": found}
    page |= {"reason_missing": reason_missing, "reason_min": actions.reason_min_length()}
    return TemplateResponse(request, "web/desk_search.html", page)


def _found(request: HttpRequest, staff: actions.Staff, query: str, reason: str) -> tuple[list[int], bool]:
    """The accounts the query names, and whether the reason was missing; the reason is remembered for each
    account found, to be written when it is opened."""
    try:
        found = person_search(query=query, reason=reason, staff=staff, now=clock.now())
    except actions.ReasonMissing:
        return [], True
    request.session[REASONS] = {**request.session.get(REASONS, {}), **{str(i): reason for i in found}}
    return found, False


def _reason_for(request: HttpRequest, account_id: int) -> str | None:
    """The reason typed when this person was found; a 404 for an account that does not (or no longer) exist."""
    if not account_exists(account_id=account_id):
        raise Http404("Compte introuvable.")
    reason: str | None = request.session.get(REASONS, {}).get(str(account_id))
    return reason


def desk_person(request: HttpRequest, context: dict[str, Any], account_id: int) -> HttpResponse:
    staff, now, reason = _staff(request), clock.now(), _reason_for(request, account_id)
    if reason is None:  # opened without a search and its reason
        return redirect(reverse("admin:desk_search") + f"?q={account_id}")
    audit.record(
        event="support_person_viewed",
        now=now,
        account_id=account_id,
        client=staff.client,
        staff=staff.username,
        reason=reason,
    )
    file = person_file_of(account_id=account_id, now=now)
    findings = diagnose(file, now=now, mail_servers=functools.partial(mail_servers_seen, now=now))
    page = _person_page(context, file, findings, staff) | typed_take(request)
    return TemplateResponse(request, "web/desk_person.html", page)


def _person_page(
    context: dict[str, Any], file: PersonFile, findings: list[Finding], staff: actions.Staff
) -> dict[str, Any]:
    return {
        **context,
        "title": f"{file.first_name} {file.last_name}",
        "file": file,
        "findings": findings,
        "addresses": [("Adresse confirmée", file.confirmed_address), ("Adresse à confirmer", file.pending_address)],
        "supervisor": staff.role is Role.SUPERVISOR,
        "supervisor_actions": SUPERVISOR_ACTIONS,
        "checklist": CHECKLIST,
        "restart_documents": IdentityDocument.choices,  # R-BOT2 (views/desk_restart.py)
        "restart_reason_min": conf().restart_reason_min_length,
        "restart_lifetime": duration_phrase(conf().restart_request_lifetime),  # R-SUP8: said to the person
        "staff_username": staff.username,
    }


SUPERVISOR_ACTIONS = [
    ("lever-les-limites", "Lever les limites d'essais de la personne"),
    ("annuler-les-liens", "Annuler tous les liens non utilisés"),
    ("effacer-l-adresse", "Effacer l'adresse non confirmée"),
]
ACTIONS: dict[str, Callable[..., object]] = {
    "renvoyer-le-lien": actions.link_resend_for,
    "changer-l-adresse": actions.address_change_for,
    "lever-les-limites": actions.throttles_lift,
    "annuler-les-liens": actions.links_void,
    "effacer-l-adresse": actions.address_erase,
}


def desk_action(request: HttpRequest, context: dict[str, Any], account_id: int, name: str) -> HttpResponse:
    staff, now, action = _staff(request), clock.now(), ACTIONS.get(name)
    if request.method != "POST" or action is None:  # no such action, or not posted: refused and written (R-SUP7)
        why = "unknown_action" if action is None else "not_posted"
        actions.refusal_record(action=name[:60], why=why, staff=staff, now=now, account_id=account_id, reason="")
        raise PermissionDenied
    if _reason_for(request, account_id) is None:  # acting on a person means opening them first
        return _not_opened(request, staff, action.__name__, account_id)
    extra = {"address": request.POST.get("address", "")} if name == "changer-l-adresse" else {}
    try:
        done = action(account_id=account_id, staff=staff, reason=request.POST.get("reason", ""), now=now, **extra)
    except DomainError as refused:
        refusal_say(request, refused.message, form=name, fields=("reason",))
    else:
        messages.success(request, action_said.done_said(action.__name__, done, now=now))
    return redirect("admin:desk_person", account_id=account_id)


def desk_agent_new(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    """A supervisor creates an agent; the agent's authenticator address is shown once, here."""
    staff, username = _staff(request), request.POST.get("username", "").strip()
    page = {**context, "title": "Créer un agent", "created": None, "error": "", "username": username}
    page["reason"] = request.POST.get("reason", "")  # typed again after a refusal; the password never is
    if request.method == "POST":  # an agent's try is refused by agent_create, which writes it (R-SUP7)
        password = request.POST.get("password", "")
        try:
            page["created"] = actions.agent_create(
                username=username, password=password, staff=staff, reason=page["reason"], now=clock.now()
            )
        except DomainError as refused:
            page["error"] = _refused_for(staff, refused)
    elif staff.role is not Role.SUPERVISOR:
        raise PermissionDenied
    return TemplateResponse(request, "web/desk_agent_new.html", page)


def _refused_for(staff: actions.Staff, refused: DomainError) -> str:
    """The refusal said on the page; an agent is shown the door, as on every supervisor page."""
    if staff.role is not Role.SUPERVISOR:
        raise PermissionDenied
    return refused.message


def _not_opened(request: HttpRequest, staff: actions.Staff, action: str, account_id: int) -> HttpResponse:
    """An action on a person not opened (a forged request, say): refused, written (R-SUP7), back to the search."""
    reason = request.POST.get("reason", "")
    actions.refusal_record(
        action=action, why="person_not_opened", staff=staff, now=clock.now(), account_id=account_id, reason=reason
    )
    return redirect(reverse("admin:desk_search") + f"?q={account_id}")
