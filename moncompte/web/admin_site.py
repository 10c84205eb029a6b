"""The back office (/support/): staff sign-ins throttled and audited, every edit audited (issue 8)."""

from datetime import timedelta
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, path

from moncompte.accounts.funnel import funnel_of
from moncompte.audit import log as audit
from moncompte.core import clock, throttle
from moncompte.core.errors import TooManyAttempts
from moncompte.enrollment import limits
from moncompte.web import session


class SupportAdminSite(admin.AdminSite):
    site_header = "moncompte — support"
    site_title = "moncompte — support"

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if request.method == "POST":
            client, now = session.client_of(request), clock.now()
            username = request.POST.get("username", "")[:150].lower()
            try:
                throttle.check(limits.staff_failures_per_client(), key=client.address, now=now)
                throttle.check(limits.staff_failures_per_user(), key=username, now=now)
            except TooManyAttempts as refused:
                audit.record(event="staff_sign_in_throttled", now=now, client=client, username=username)
                context = {**self.each_context(request), "title": "Connexion", "error": refused.message}
                return TemplateResponse(request, "web/staff_throttled.html", context, status=429)
        return super().login(request, extra_context)

    def get_urls(self) -> list[URLResolver | URLPattern]:
        funnel = path("entonnoir/", self.admin_view(self.funnel_view), name="funnel")
        return [funnel, *super().get_urls()]

    def funnel_view(self, request: HttpRequest) -> HttpResponse:
        """R-DLV4: the confirmation funnel by email provider, for supervisors (superusers until the desk's
        roles exist)."""
        if not request.user.is_superuser:
            raise PermissionDenied
        now = clock.now()
        windows = [("24 heures", funnel_of(now=now, span=timedelta(hours=24)))]
        windows.append(("7 jours", funnel_of(now=now, span=timedelta(days=7))))
        context = {**self.each_context(request), "title": "Entonnoir par fournisseur de messagerie", "windows": windows}
        return TemplateResponse(request, "web/support_funnel.html", context)
