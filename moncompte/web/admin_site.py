"""The back office (/support/): staff sign-ins with a second factor, throttled and audited, every edit audited."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, path
from django_otp import devices_for_user
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite

from moncompte.accounts.funnel import funnel_of
from moncompte.core import clock
from moncompte.core.conf import conf
from moncompte.core.errors import TooManyAttempts
from moncompte.defence.mode import attack_mode_active
from moncompte.support.roles import Role, role_of
from moncompte.support.staff_sign_in import (
    staff_attempt_begin,
    staff_attempt_succeeded,
    staff_device_issue,
    staff_failure_count,
)
from moncompte.web import session
from moncompte.web.views import desk, desk_attack, desk_campaigns, desk_restart

STAFF_DEVICE_COOKIE = "moncompte_staff_device"  # R-SUP6
STAFF_SIGN_IN_REFUSED = (
    "Connexion refusée : le nom d'utilisateur, le mot de passe ou le code de l'application d'authentification "
    "est incorrect."
)

ATTEMPT_COUNTED = "moncompte.staff_attempt_counted"  # set on the request once staff_attempt_begin counted it


def attempt_counted(request: HttpRequest) -> bool:
    return bool(request.META.get(ATTEMPT_COUNTED))


class StaffSignInForm(OTPAdminAuthenticationForm):
    """Password, then the code of the authenticator app; the device need not be chosen when there is one."""

    def _chosen_device(self, user: Any) -> Any:
        chosen = super()._chosen_device(user)
        if chosen is None:
            devices = list(devices_for_user(user, confirmed=True))
            if len(devices) == 1:
                return devices[0]
        return chosen

    def _update_form(self, user: Any) -> None:
        """django-otp would list the user's devices and give the typed password back in the page after a right
        password: both tell that it was right (R-SUP1). The page stays as for any failure."""

    def clean(self) -> dict[str, Any]:
        """R-SUP1, R-SUP6: one answer for every failure, so that no answer tells a right password from a wrong
        one; and every failure counted and audited. A wrong password (or an account that may not sign in) is
        counted by the signal Django sends (web/signals.py); a failure after the right password is counted here."""
        try:
            cleaned: dict[str, Any] = super().clean()
        except ValidationError as refused:
            user, request = self.user_cache, self.request
            if user is not None and request is not None:
                staff_failure_count(
                    username=user.get_username(),
                    client=session.client_of(request),
                    now=clock.now(),
                    device=request.COOKIES.get(STAFF_DEVICE_COOKIE, ""),
                    second_factor=True,
                    counted=attempt_counted(request),
                )
            raise ValidationError(STAFF_SIGN_IN_REFUSED, code="invalid_login") from refused
        return cleaned


class SupportAdminSite(OTPAdminSite):
    """R-SUP1: nothing of /support/ is reachable without a staff sign-in completed by a second factor (TOTP,
    django-otp): a signed-in staff member whose session is not verified is treated as not staff."""

    login_form = StaffSignInForm
    login_template = "web/staff_login.html"  # in French, the code of the authenticator app asked with the password
    index_template = "web/support_index.html"  # the desk's pages first
    index_title = "Guichet"
    # Django's side bar lists models, and tells an agent, who may read none, that there is nothing: the header
    # lists the desk's pages the role can use instead (web/templates/web/_desk_nav.html).
    enable_nav_sidebar = False

    def __init__(self, name: str = "admin") -> None:
        super().__init__(name)
        self.site_header = self.site_title = f"Support — {conf().service_name}"

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        attempt = None
        if request.method == "POST":
            username, device = request.POST.get("username", ""), request.COOKIES.get(STAFF_DEVICE_COOKIE, "")
            try:
                attempt = staff_attempt_begin(
                    username=username, client=session.client_of(request), now=clock.now(), device=device
                )
            except TooManyAttempts as refused:
                context = {**self.each_context(request), "title": "Connexion", "error": refused.message}
                return TemplateResponse(request, "web/staff_throttled.html", context, status=429)
            request.META[ATTEMPT_COUNTED] = True  # the failure, if it is one, is audited, not counted again
        response: HttpResponse = super().login(request, extra_context)
        # Signed in just now with a code: django-otp's form set the device that checked it on the user.
        if attempt is not None and getattr(request.user, "otp_device", None) is not None:
            staff_attempt_succeeded(attempt)
            _device_remember(response, username=request.user.get_username())
        return response

    def each_context(self, request: HttpRequest) -> dict[str, Any]:
        context: dict[str, Any] = super().each_context(request)
        context["desk_supervisor"] = role_of(request.user) is Role.SUPERVISOR
        context["desk_attack_mode"] = attack_mode_active(now=clock.now())  # R-BOT1, on every desk page
        return context

    def get_urls(self) -> list[URLResolver | URLPattern]:
        desk_pages = [
            *desk_restart.pages(self._desk),  # R-BOT2, before the person's generic actions
            *desk_attack.pages(self._desk),  # R-BOT1
            *desk_campaigns.pages(self._desk),  # R-MSG13
            path("entonnoir/", self.admin_view(self.funnel_view), name="funnel"),
            path("personnes/", self._desk(desk.desk_search), name="desk_search"),
            path("agents/nouveau/", self._desk(desk.desk_agent_new), name="desk_agent_new"),
            path("personnes/<int:account_id>/", self._desk(desk.desk_person), name="desk_person"),
            path("personnes/<int:account_id>/<slug:name>/", self._desk(desk.desk_action), name="desk_action"),
        ]
        return [*desk_pages, *super().get_urls()]

    def _desk(self, view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        """A desk page: behind the staff sign-in with second factor, with the back office's page context."""

        def page(request: HttpRequest, **kwargs: Any) -> HttpResponse:
            return view(request, self.each_context(request), **kwargs)

        guarded: Callable[..., HttpResponse] = self.admin_view(page)
        return guarded

    def funnel_view(self, request: HttpRequest) -> HttpResponse:
        """R-DLV4: the confirmation funnel by email provider, for supervisors."""
        if role_of(request.user) is not Role.SUPERVISOR:
            raise PermissionDenied
        now = clock.now()
        windows = [("24 heures", funnel_of(now=now, span=timedelta(hours=24)))]
        windows.append(("7 jours", funnel_of(now=now, span=timedelta(days=7))))
        context = {**self.each_context(request), "title": "Entonnoir par fournisseur de messagerie", "windows": windows}
        return TemplateResponse(request, "web/support_funnel.html", context)


def _device_remember(response: HttpResponse, *, username: str) -> None:
    """R-SUP6: the device cookie of a complete sign-in (password and code), renewed at each one; for /support/
    only, out of reach of scripts and of other sites' requests."""
    lifetime = conf().staff_device_lifetime
    response.set_cookie(
        STAFF_DEVICE_COOKIE,
        staff_device_issue(username=username, now=clock.now()),
        max_age=int(lifetime.total_seconds()),
        path="/support/",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Strict",
    )
