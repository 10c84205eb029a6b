"""R-MSG13: the desk's page of the message box's campaigns, for supervisors: each campaign's figures
(messaging/campaign_figures.py). Opening it is written to the audit log; an agent's try is refused and written
(R-SUP7)."""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path

from moncompte.audit import log as audit
from moncompte.core import clock
from moncompte.core.conf import conf
from moncompte.messaging.campaign_figures import campaigns_page
from moncompte.support import actions
from moncompte.support.roles import Role
from moncompte.web.views.desk import _staff


def pages(desk: Callable[..., Any]) -> list[URLPattern]:
    return [path("campagnes/", desk(desk_campaigns), name="desk_campaigns")]


def desk_campaigns(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    staff, now, raw = _staff(request), clock.now(), request.GET.get("page", "1")
    if staff.role is not Role.SUPERVISOR:
        why = "supervisor_only"
        actions.refusal_record(action="campaigns_view", why=why, staff=staff, now=now, account_id=None, reason="")
        raise PermissionDenied
    number = int(raw) if raw.isdigit() and len(raw) < 12 else 1
    audit.record(event="support_campaigns_viewed", now=now, client=staff.client, staff=staff.username, page=number)
    page = {**context, "title": "Campagnes de la messagerie", "shown": campaigns_page(page=number)}
    page["retention_days"] = conf().outbox_retention_days  # the notifications counted are those still kept
    return TemplateResponse(request, "web/desk_campaigns.html", page)
