"""The confirmation link (R-EM4..7) and the page of a signed-in person whose email is unconfirmed (R-EM8)."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from moncompte.accounts.selectors import delivery_facts_of, pending_email_of
from moncompte.accounts.steps import AccountStep
from moncompte.core import clock
from moncompte.core.errors import DomainError
from moncompte.enrollment.email_links import (
    LinkState,
    LinkStatus,
    email_confirm,
    email_replace,
    link_opened,
    link_resend,
    link_resend_from_link,
    link_status,
)
from moncompte.web import session
from moncompte.web.forms.journey import EmailPairForm
from moncompte.web.routing import no_referrer, signed_in_page
from moncompte.web.views.common import FORM_METHODS


@csrf_exempt  # the 256-bit token in the URL is the proof; pages with a token send no referrer (R-SEC2)
@require_http_methods(FORM_METHODS)
@no_referrer
def email_link_page(request: HttpRequest, token: str) -> HttpResponse:
    """R-EM4: GET and HEAD show what the link can do; only a POST confirms (the shown page posts itself)."""
    now, client = clock.now(), session.client_of(request)
    action = request.POST.get("action") if request.method == "POST" else None
    message = ""
    try:
        if action == "resend":
            session.validation_remember(request, link_resend_from_link(token=token, client=client, now=now))
            return redirect("web:email_validation")
        if action == "confirm":
            return _link_page(request, email_confirm(token=token, client=client, now=now))
    except DomainError as error:
        message = error.message
    if request.method == "POST":  # a refused action: the page again, not counted as one more opening
        return _link_page(request, link_status(token=token, now=now), message)
    return _link_page(request, link_opened(token=token, client=client, now=now), message)


def _link_page(request: HttpRequest, state: LinkState, message: str = "") -> HttpResponse:
    facts = None
    if state.link is not None and state.status in (LinkStatus.EXPIRED, LinkStatus.REPLACED):
        link = state.link
        facts = delivery_facts_of(account_id=link.account_id, now=clock.now(), opened_address=link.canonical)
    context: dict[str, object] = {"status": state.status.value, "email_masked": state.email_masked, "message": message}
    context["address_changed"] = state.address_changed
    context["facts"] = facts
    # Issue 23: a browser confirms on arrival (the page posts its own button once shown); never after a POST,
    # so a refused confirmation is not posted again and again.
    context["confirm_on_arrival"] = request.method == "GET"
    return render(request, "web/email_link.html", context)


def _sent(send: Callable[[], str], form: EmailPairForm | None = None) -> str:
    """The message after asking for a new link: where it went, or why not (next to the field when there is one)."""
    try:
        return f"Un nouveau lien vient d'être envoyé à {send()}."
    except DomainError as error:
        if form is None:
            return error.message
        form.add_domain_error(error)
        return ""


@require_http_methods(FORM_METHODS)
@signed_in_page(AccountStep.CONFIRM_EMAIL)
def email_pending_page(request: HttpRequest, account_id: int) -> HttpResponse:
    now, client, action = clock.now(), session.client_of(request), request.POST.get("action")
    form = EmailPairForm(request.POST if action == "different" else None)
    message = ""
    if action == "same":
        message = _sent(lambda: link_resend(account_id=account_id, client=client, now=now))
    elif action == "different" and form.is_valid():
        address = form.cleaned_data["email"]
        message = _sent(lambda: email_replace(account_id=account_id, address=address, client=client, now=now), form)
        form = EmailPairForm() if message else form
    context = {"pending": pending_email_of(account_id=account_id, now=now), "form": form, "message": message}
    context["facts"] = delivery_facts_of(account_id=account_id, now=now)
    return render(request, "web/email_pending.html", context)
