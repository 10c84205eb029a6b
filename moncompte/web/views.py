"""HTML views: parse the form, call one use case, render. No business rules here."""

from datetime import datetime

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from moncompte.accounts.models import Account
from moncompte.captcha.challenges import CaptchaError, challenge_create, challenge_png, challenge_wav
from moncompte.core import clock
from moncompte.core.errors import DomainError
from moncompte.enrollment.code_send import code_send
from moncompte.enrollment.code_verify import code_verify
from moncompte.enrollment.errors import (
    AccountAlreadyExists,
    CodeAlreadyUsed,
    CodeExhausted,
    CodeExpired,
    RestrictedSessionExpired,
)
from moncompte.web import session
from moncompte.web.forms import CodeSignInForm, IdentityForm

CODE_SENT = "code_sent"


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html")


@require_http_methods(["GET", "HEAD", "POST"])
def identity(request: HttpRequest) -> HttpResponse:
    now = clock.now()
    wants_new_captcha = request.POST.get("action") == "new_captcha"
    form = (
        IdentityForm(initial=request.POST.dict()) if wants_new_captcha else IdentityForm(request.POST or None)
    )
    account_exists = False
    if request.method == "POST" and not wants_new_captcha and form.is_valid():
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
    return render(request, "web/identity.html", context, status=200)


@require_safe
def code_sent(request: HttpRequest) -> HttpResponse:
    sent = request.session.get(CODE_SENT)
    if not sent:
        return redirect("web:identity")
    details = {"email_masked": sent["email_masked"], "expires_at": datetime.fromisoformat(sent["expires_at"])}
    return render(request, "web/code_sent.html", {"sent": details})


@require_http_methods(["GET", "HEAD", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    form = CodeSignInForm(request.POST or None)
    notice = ""
    if request.GET.get("expire") == "1":
        notice = RestrictedSessionExpired.message
    offer_new_code = False
    if request.method == "POST" and form.is_valid():
        try:
            grant = code_verify(
                nir=form.cleaned_data["nir"],
                typed=form.cleaned_data["code"],
                client=session.client_of(request),
                now=clock.now(),
            )
        except DomainError as error:
            offer_new_code = isinstance(error, CodeExpired | CodeExhausted | CodeAlreadyUsed)
            form.add_error("code", error.message)
        else:
            session.start_restricted(request, grant)
            return redirect("web:choose_password")
    return render(
        request, "web/sign_in.html", {"form": form, "notice": notice, "offer_new_code": offer_new_code}
    )


@require_safe
def choose_password(request: HttpRequest) -> HttpResponse:
    now = clock.now()
    account_id = session.restricted_account(request, now=now)
    if account_id is session.Restricted.EXPIRED:
        return redirect(reverse("web:sign_in") + "?expire=1")
    if account_id is session.Restricted.NONE:
        return redirect("web:sign_in")
    account = Account.objects.select_related("beneficiary").get(pk=account_id)
    until = datetime.fromisoformat(request.session[session.RESTRICTED]["until"])
    return render(request, "web/choose_password.html", {"beneficiary": account.beneficiary, "until": until})


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
