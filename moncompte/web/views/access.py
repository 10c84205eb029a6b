"""Signing in and out, and "Code oublié ?"."""

from datetime import datetime

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateformat import time_format
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from moncompte.core import clock
from moncompte.core.errors import DomainError
from moncompte.core.outage import SERVICE_OUT, outage_logged
from moncompte.enrollment.errors import RestrictedSessionExpired
from moncompte.selfservice.account_manage import signed_out
from moncompte.selfservice.code_forgot import code_forgot
from moncompte.selfservice.sign_in import SignedIn, sign_in
from moncompte.web import session
from moncompte.web.device_cookie import device_cookie_give, device_cookie_of
from moncompte.web.forms.journey import CodeForgotForm, SignInForm
from moncompte.web.routing import landing_at, restricted_page
from moncompte.web.views.common import (
    FORM_METHODS,
    captcha_context,
    captcha_form,
    captcha_proof,
    form_page,
)
from moncompte.web.views.errors import error_page, unavailable


@require_http_methods(FORM_METHODS)
def sign_in_page(request: HttpRequest) -> HttpResponse:
    form, out = SignInForm(request.POST or None), False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            client, device = session.client_of(request), device_cookie_of(request)
            signed = sign_in(nir=data["nir"], secret=data["code"], client=client, device=device, now=clock.now())
        except DomainError as error:
            form.add_domain_error(error)
        except SERVICE_OUT as error:
            out = outage_logged(error)
        else:
            return _session_open(request, signed)
    notice = RestrictedSessionExpired().message if request.GET.get("expire") == "1" else ""
    return form_page(request, "web/sign_in.html", {"form": form, "notice": notice}, out=out)


def _session_open(request: HttpRequest, signed: SignedIn) -> HttpResponse:
    if signed.restricted_until is not None:
        session.start_restricted(
            request, account_id=signed.account_id, until=signed.restricted_until, epoch=signed.session_epoch
        )
        return redirect("web:choose_password")
    session.start_signed_in(request, signed.account_id, epoch=signed.session_epoch)
    return device_cookie_give(redirect(landing_at(signed.state)), signed.device)


@require_POST
@restricted_page
def restricted_extend_page(request: HttpRequest, restricted: session.RestrictedSession) -> JsonResponse:
    """R-A11Y5: « Prolonger » on the personal-code page, answered to its script so nothing typed is lost."""
    until = session.restricted_extend(request, now=clock.now())
    if until is None:
        at = _clock_time(restricted.until)
        return JsonResponse(
            {"message": f"Votre session ne peut plus être prolongée : validez votre code avant {at}."}, status=409
        )
    return JsonResponse({"until": _clock_time(until), "seconds_left": int((until - clock.now()).total_seconds())})


def _key_forgotten_while_out() -> HttpResponse:
    """« Se déconnecter » while Redis is out (R-SEC3): the session is out of reach, not ended. The browser
    forgets its key, so that nobody at this computer (a shared one) finds the session again once Redis is back;
    the page says the service is out (a 503), nothing else can be done now."""
    page = unavailable(error_page(503))
    page.delete_cookie(
        settings.SESSION_COOKIE_NAME, path=settings.SESSION_COOKIE_PATH, domain=settings.SESSION_COOKIE_DOMAIN
    )
    return page


def _clock_time(moment: datetime) -> str:
    return time_format(timezone.localtime(moment), "H\\hi")


# R-CODE6: the provisional code served once, at the sign-in that opened the restricted session; said again after
# signing out of it, with the way to a new one.
RESTRICTED_SIGNED_OUT = (
    "Vous êtes déconnecté. Votre code provisoire a déjà servi : pour choisir votre code personnel, demandez un "
    "nouveau code provisoire avec « Code oublié ? », sur la page « Se connecter »."
)


@require_POST
def sign_out_page(request: HttpRequest) -> HttpResponse:
    """R-SEC3, R-CODE6: a signed-in or a restricted session ends here; the restricted one is told what comes next."""
    now = clock.now()
    try:
        ended = session.signed_in_session(request) or session.restricted_session(request, now=now)
    except SERVICE_OUT:
        return _key_forgotten_while_out()
    if isinstance(ended, session.SignedInSession | session.RestrictedSession):
        signed_out(account_id=ended.account_id, client=session.client_of(request), now=now)
    session.end(request)
    restricted = isinstance(ended, session.RestrictedSession)
    session.notice_set(request, RESTRICTED_SIGNED_OUT if restricted else "Vous êtes déconnecté. À bientôt.")
    return redirect("web:home")


@require_http_methods(FORM_METHODS)
def code_forgot_page(request: HttpRequest) -> HttpResponse:
    now, out = clock.now(), False
    form, submitted = captcha_form(request, CodeForgotForm)
    if submitted:
        try:
            proof = captcha_proof(request, form)
            device = device_cookie_of(request)
            code_forgot(**form.person(), captcha=proof, client=session.client_of(request), device=device, now=now)
        except DomainError as error:
            form.add_domain_error(error)
        except SERVICE_OUT as error:
            out = outage_logged(error)
        else:
            return redirect("web:code_forgot_sent")
    return form_page(request, "web/code_forgot.html", {"form": form, **captcha_context(request, now=now)}, out=out)


@require_safe
def code_forgot_sent_page(request: HttpRequest) -> HttpResponse:
    return render(request, "web/code_forgot_sent.html")
