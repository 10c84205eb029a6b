"""HTML views of the enrollment journey: parse the form, call one use case, render. No business rules here."""

from datetime import datetime
from typing import TypeVar

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from moncompte.accounts.models import Account
from moncompte.accounts.states import AccountState
from moncompte.captcha.challenges import CaptchaError, challenge_create, challenge_png, challenge_wav
from moncompte.core import clock
from moncompte.core.errors import DomainError
from moncompte.enrollment.code_forgot import code_forgot as code_forgot_use_case
from moncompte.enrollment.code_send import code_send
from moncompte.enrollment.contact_submit import ContactDetails, contact_submit
from moncompte.enrollment.email_links import email_confirm, link_resend_from_link, link_status
from moncompte.enrollment.errors import (
    AccountAlreadyExists,
    CodeAlreadyUsed,
    CodeExhausted,
    CodeExpired,
    PasswordRefused,
    RestrictedSessionExpired,
    SignInBlocked,
)
from moncompte.enrollment.password_choose import password_choose
from moncompte.enrollment.sign_in import sign_in as sign_in_use_case
from moncompte.web import session
from moncompte.web.forms import CodeForgotForm, ContactForm, IdentityForm, PasswordForm, SignInForm
from moncompte.web.routing import landing_for, signed_in_page

CODE_SENT = "code_sent"
VALIDATION = "validation"
FORM_METHODS = ["GET", "HEAD", "POST"]
CaptchaForm = TypeVar("CaptchaForm", IdentityForm, CodeForgotForm)


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html")


def _captcha_form_view[CaptchaForm: (IdentityForm, CodeForgotForm)](
    request: HttpRequest, form_class: type[CaptchaForm]
) -> tuple[CaptchaForm, bool]:
    """A form with a CAPTCHA: "Nouveau code" re-shows what was typed, without errors (R-A11Y2)."""
    wants_new_captcha = request.POST.get("action") == "new_captcha"
    form = form_class(initial=request.POST.dict()) if wants_new_captcha else form_class(request.POST or None)
    submitted = request.method == "POST" and not wants_new_captcha and form.is_valid()
    return form, submitted


@require_http_methods(FORM_METHODS)
def identity(request: HttpRequest) -> HttpResponse:
    now = clock.now()
    form, submitted = _captcha_form_view(request, IdentityForm)
    account_exists = False
    if submitted:
        data = form.cleaned_data
        try:
            sent = code_send(
                nir=data["nir"],
                birth_date=data["birth_date"],
                postal_code=data["postal_code"],
                email=data["email"],
                captcha_id=data["captcha_id"],
                captcha_answer=data["captcha_answer"],
                client=session.client_of(request),
                now=now,
            )
        except CaptchaError as error:
            form.add_error("captcha_answer", error.message)
        except DomainError as error:
            account_exists = isinstance(error, AccountAlreadyExists)
            form.add_error(None, error.message)
        else:
            request.session[CODE_SENT] = {
                "email_masked": sent.email_masked,
                "expires_at": sent.expires_at.isoformat(),
            }
            return redirect("web:code_sent")
    context = {"form": form, "challenge": challenge_create(now=now), "account_exists": account_exists}
    return render(request, "web/identity.html", context)


@require_safe
def code_sent(request: HttpRequest) -> HttpResponse:
    sent = request.session.get(CODE_SENT)
    if not sent:
        return redirect("web:identity")
    details = {"email_masked": sent["email_masked"], "expires_at": datetime.fromisoformat(sent["expires_at"])}
    return render(request, "web/code_sent.html", {"sent": details})


@require_http_methods(FORM_METHODS)
def sign_in(request: HttpRequest) -> HttpResponse:
    form = SignInForm(request.POST or None)
    notice = RestrictedSessionExpired.message if request.GET.get("expire") == "1" else ""
    offer_new_code = False
    if request.method == "POST" and form.is_valid():
        try:
            signed = sign_in_use_case(
                nir=form.cleaned_data["nir"],
                secret=form.cleaned_data["code"],
                client=session.client_of(request),
                now=clock.now(),
            )
        except DomainError as error:
            offer_new_code = isinstance(error, CodeExpired | CodeExhausted | CodeAlreadyUsed | SignInBlocked)
            form.add_error("code", error.message)
        else:
            if signed.restricted_until is not None:
                session.start_restricted(request, account_id=signed.account_id, until=signed.restricted_until)
                return redirect("web:choose_password")
            session.start_signed_in(request, signed.account_id)
            return redirect(landing_for(signed.account_id))
    return render(request, "web/sign_in.html", {"form": form, "notice": notice, "offer_new_code": offer_new_code})


@require_http_methods(FORM_METHODS)
def choose_password(request: HttpRequest) -> HttpResponse:
    now = clock.now()
    account_id = session.restricted_account(request, now=now)
    if account_id is session.Restricted.EXPIRED:
        return redirect(reverse("web:sign_in") + "?expire=1")
    if account_id is session.Restricted.NONE:
        return redirect("web:sign_in")
    account = Account.objects.select_related("beneficiary").get(pk=account_id)
    form = PasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            password_choose(
                account_id=account.pk,
                password=form.cleaned_data["password"],
                confirmation=form.cleaned_data["confirmation"],
                client=session.client_of(request),
                now=now,
            )
        except PasswordRefused as refused:
            form.add_refusals(refused.refusals)
        else:
            was_reset = account.state != AccountState.PROVISIONAL
            session.start_signed_in(request, account.pk)
            if was_reset:
                request.session["notice"] = "Votre code personnel a été modifié."
            return redirect(landing_for(account.pk))
    until = datetime.fromisoformat(request.session[session.RESTRICTED]["until"])
    context = {"form": form, "beneficiary": account.beneficiary, "until": until}
    return render(request, "web/choose_password.html", context)


@require_http_methods(FORM_METHODS)
@signed_in_page("web:contact")
def contact(request: HttpRequest, account_id: int) -> HttpResponse:
    now = clock.now()
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        details = ContactDetails(
            email=data["email"], mobile=data["mobile"], landline=data["landline"], consents=form.consents()
        )
        try:
            masked = contact_submit(account_id=account_id, details=details, client=session.client_of(request), now=now)
        except DomainError as error:
            form.add_error("email", error.message)
        else:
            # R-EM1: signed out, then asked to open the link.
            session.end(request)
            request.session[VALIDATION] = masked
            return redirect("web:email_validation")
    return render(request, "web/contact.html", {"form": form})


@require_safe
def email_validation(request: HttpRequest) -> HttpResponse:
    return render(request, "web/email_validation.html", {"email_masked": request.session.get(VALIDATION, "")})


@csrf_exempt  # the 256-bit token in the URL is the proof; pages with a token send no referrer (R-SEC2)
@require_http_methods(FORM_METHODS)
def email_link(request: HttpRequest, token: str) -> HttpResponse:
    """R-EM4: GET and HEAD only show what the link can do; only the POST of the button confirms."""
    now = clock.now()
    message = ""
    if request.method == "POST" and request.POST.get("action") == "confirm":
        state = email_confirm(token=token, client=session.client_of(request), now=now)
    elif request.method == "POST" and request.POST.get("action") == "resend":
        try:
            masked = link_resend_from_link(token=token, client=session.client_of(request), now=now)
        except DomainError as error:
            message = error.message
        else:
            request.session[VALIDATION] = masked
            return redirect("web:email_validation")
        state = link_status(token=token, now=now)
    else:
        state = link_status(token=token, now=now)
    response = render(
        request,
        "web/email_link.html",
        {"status": state.status.value, "email_masked": state.email_masked, "message": message},
    )
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@require_http_methods(FORM_METHODS)
def code_forgot(request: HttpRequest) -> HttpResponse:
    now = clock.now()
    form, submitted = _captcha_form_view(request, CodeForgotForm)
    if submitted:
        data = form.cleaned_data
        try:
            code_forgot_use_case(
                nir=data["nir"],
                birth_date=data["birth_date"],
                captcha_id=data["captcha_id"],
                captcha_answer=data["captcha_answer"],
                client=session.client_of(request),
                now=now,
            )
        except CaptchaError as error:
            form.add_error("captcha_answer", error.message)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            return redirect("web:code_forgot_sent")
    return render(request, "web/code_forgot.html", {"form": form, "challenge": challenge_create(now=now)})


@require_safe
def code_forgot_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "web/code_forgot_sent.html")


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    session.end(request)
    return redirect("web:home")


@require_safe
def captcha_image(request: HttpRequest, challenge_id: str) -> HttpResponse:
    png = challenge_png(challenge_id=challenge_id, now=clock.now())
    if png is None:
        raise Http404("Ce code a expiré.")
    return HttpResponse(png, content_type="image/png", headers={"Cache-Control": "no-store"})


@require_safe
def captcha_audio(request: HttpRequest, challenge_id: str) -> HttpResponse:
    wav = challenge_wav(challenge_id=challenge_id, now=clock.now())
    if wav is None:
        raise Http404("Ce code a expiré.")
    return HttpResponse(wav, content_type="audio/wav", headers={"Cache-Control": "no-store"})


@require_POST
def captcha_new(request: HttpRequest) -> JsonResponse:
    challenge = challenge_create(now=clock.now())
    return JsonResponse(
        {
            "id": challenge.id,
            "image": reverse("web:captcha_image", args=[challenge.id]),
            "audio": reverse("web:captcha_audio", args=[challenge.id]),
        }
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "web/csrf_failure.html", status=403)
