"""The account page of a signed-in person whose email is confirmed, and what can be changed there."""

import re

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from moncompte.accounts.selectors import person_name_of
from moncompte.accounts.steps import AccountStep
from moncompte.appsessions.tokens import device_revoke, sessions_of
from moncompte.core import clock
from moncompte.core.errors import DomainError
from moncompte.selfservice.account_manage import consent_set, email_change_request, password_change
from moncompte.selfservice.selectors import account_overview
from moncompte.web import session
from moncompte.web.device_cookie import device_cookie_give
from moncompte.web.forms.account import EmailChangeForm, PasswordChangeForm
from moncompte.web.routing import signed_in_page
from moncompte.web.views.common import FORM_METHODS

# A session's id: ASCII digits, 18 at most (a bigint). « ² » passes str.isdigit() but not int(); 4,301 digits pass
# neither int() nor the database.
DEVICE_ID = re.compile(r"[0-9]{1,18}")

EMAIL_CHANGE_NOTICE = (
    "Un lien de confirmation a été envoyé à {masked}. Votre adresse actuelle reste valable jusqu'à la "
    "confirmation de la nouvelle."
)


@require_safe
@signed_in_page(AccountStep.ACCOUNT)
def account_page(request: HttpRequest, account_id: int) -> HttpResponse:
    now = clock.now()
    overview = account_overview(account_id=account_id, now=now)
    context = {
        "overview": overview,
        "notice": session.notice_pop(request),
        "devices": sessions_of(account_id=account_id, now=now),
    }
    return render(request, "web/account.html", context)


@require_POST
@signed_in_page(AccountStep.ACCOUNT)
def device_revoke_page(request: HttpRequest, account_id: int) -> HttpResponse:
    """« Mes appareils » (R-API2): the person ends an app session from the web."""
    device = request.POST.get("device", "")
    revoked = DEVICE_ID.fullmatch(device) is not None and device_revoke(
        account_id=account_id, session_id=int(device), now=clock.now()
    )
    session.notice_set(request, "L'appareil est déconnecté." if revoked else "Cet appareil était déjà déconnecté.")
    return redirect("web:account")


@require_POST
@signed_in_page(AccountStep.ACCOUNT)
def consent_page(request: HttpRequest, account_id: int) -> HttpResponse:
    granted = request.POST.get("granted") == "oui"
    channel = request.POST.get("channel", "")
    try:
        consent_set(
            account_id=account_id, channel=channel, granted=granted, client=session.client_of(request), now=clock.now()
        )
    except DomainError as error:
        session.notice_set(request, error.message)
    else:
        session.notice_set(request, "Votre choix est enregistré." if granted else "Votre refus est enregistré.")
    return redirect("web:account")


@require_http_methods(FORM_METHODS)
@signed_in_page(AccountStep.ACCOUNT)
def email_change_page(request: HttpRequest, account_id: int) -> HttpResponse:
    form = EmailChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            masked = email_change_request(
                account_id=account_id, **form.request_arguments(), client=session.client_of(request), now=clock.now()
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            session.notice_set(request, EMAIL_CHANGE_NOTICE.format(masked=masked))
            return redirect("web:account")
    return render(request, "web/email_change.html", {"form": form})


@require_http_methods(FORM_METHODS)
@signed_in_page(AccountStep.ACCOUNT)
def password_change_page(request: HttpRequest, account_id: int) -> HttpResponse:
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            changed = password_change(
                account_id=account_id, **form.cleaned_data, client=session.client_of(request), now=clock.now()
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            session.start_signed_in(request, account_id, epoch=changed.session_epoch)  # a new key, the new epoch
            session.notice_set(request, "Votre code personnel a été modifié.")
            return device_cookie_give(redirect("web:account"), changed.device)
    person = person_name_of(account_id=account_id)
    return render(request, "web/password_change.html", {"form": form, "person": person})
