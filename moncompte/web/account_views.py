"""Pages of a signed-in person: the unconfirmed-email page (R-EM1/6/7/8) and the account page."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from moncompte.accounts import emails
from moncompte.accounts.models import Account
from moncompte.core import clock, tokens
from moncompte.core.errors import DomainError
from moncompte.enrollment.account_manage import (
    account_overview,
    consent_set,
    email_change_request,
    password_change,
)
from moncompte.enrollment.email_links import email_replace, link_resend
from moncompte.enrollment.errors import PasswordRefused
from moncompte.web import session
from moncompte.web.forms import EmailChangeForm, EmailPairForm, PasswordChangeForm
from moncompte.web.routing import signed_in_page

FORM_METHODS = ["GET", "HEAD", "POST"]


@require_http_methods(FORM_METHODS)
@signed_in_page("web:email_pending")
def email_pending(request: HttpRequest, account_id: int) -> HttpResponse:
    now = clock.now()
    account = Account.objects.select_related("beneficiary").get(pk=account_id)
    action = request.POST.get("action")
    form = EmailPairForm(request.POST if action == "different" else None)
    message = ""
    if action == "same":
        try:
            masked = link_resend(account=account, client=session.client_of(request), now=now)
        except DomainError as error:
            message = error.message
        else:
            message = f"Un nouveau lien vient d'être envoyé à {masked}."
    elif action == "different" and form.is_valid():
        try:
            masked = email_replace(
                account=account,
                address=form.cleaned_data["email"],
                client=session.client_of(request),
                now=now,
            )
        except DomainError as error:
            form.add_error("email", error.message)
        else:
            message = f"Un nouveau lien vient d'être envoyé à {masked}."
            form = EmailPairForm()
    pending = emails.pending_of(account, now=now)
    context = {
        "pending": pending,
        "window": pending.window.value if pending else "forgotten",
        "email_masked": tokens.mask_email(pending.email.address) if pending else "",
        "form": form,
        "message": message,
    }
    return render(request, "web/email_pending.html", context)


@require_safe
@signed_in_page("web:account")
def account(request: HttpRequest, account_id: int) -> HttpResponse:
    now = clock.now()
    notice = request.session.pop("notice", "")
    return render(
        request,
        "web/account.html",
        {"overview": account_overview(account_id=account_id, now=now), "notice": notice},
    )


@require_POST
@signed_in_page("web:account")
def consent(request: HttpRequest, account_id: int) -> HttpResponse:
    now = clock.now()
    granted = request.POST.get("granted") == "oui"
    try:
        consent_set(
            account_id=account_id,
            channel=request.POST.get("channel", ""),
            granted=granted,
            client=session.client_of(request),
            now=now,
        )
    except ValueError:
        request.session["notice"] = "Ce choix n'est pas proposé pour votre compte."
    else:
        request.session["notice"] = "Votre choix est enregistré." if granted else "Votre refus est enregistré."
    return redirect("web:account")


@require_http_methods(FORM_METHODS)
@signed_in_page("web:account")
def email_change(request: HttpRequest, account_id: int) -> HttpResponse:
    now = clock.now()
    form = EmailChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            masked = email_change_request(
                account_id=account_id,
                address=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                client=session.client_of(request),
                now=now,
            )
        except DomainError as error:
            field = "password" if error.code == "wrong_current_password" else "email"
            form.add_error(field, error.message)
        else:
            request.session["notice"] = (
                f"Un lien de confirmation a été envoyé à {masked}. Votre adresse actuelle reste valable "
                "jusqu'à la confirmation de la nouvelle."
            )
            return redirect("web:account")
    return render(request, "web/email_change.html", {"form": form})


@require_http_methods(FORM_METHODS)
@signed_in_page("web:account")
def password_change_view(request: HttpRequest, account_id: int) -> HttpResponse:
    now = clock.now()
    account = Account.objects.select_related("beneficiary").get(pk=account_id)
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            password_change(
                account_id=account_id,
                current=form.cleaned_data["current"],
                password=form.cleaned_data["password"],
                confirmation=form.cleaned_data["confirmation"],
                client=session.client_of(request),
                now=now,
            )
        except PasswordRefused as refused:
            form.add_refusals(refused.refusals)
        except DomainError as error:
            form.add_error("current", error.message)
        else:
            request.session["notice"] = "Votre code personnel a été modifié."
            return redirect("web:account")
    return render(request, "web/password_change.html", {"form": form, "beneficiary": account.beneficiary})
