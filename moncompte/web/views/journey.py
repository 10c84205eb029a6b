"""Pages of the first visit: identity, code sent, personal code, contact details, "VALIDATION DE MON EMAIL".

Each view parses the form, calls one use case, renders (docs/architecture.md).
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from moncompte.accounts.selectors import ContactStep, contact_step_of, delivery_facts_of, personal_code_step_of
from moncompte.accounts.steps import AccountStep
from moncompte.core import clock
from moncompte.core.errors import DomainError
from moncompte.core.outage import SERVICE_OUT, outage_logged
from moncompte.enrollment.code_send import code_send
from moncompte.enrollment.contact_submit import contact_submit
from moncompte.enrollment.password_choose import PersonalCodeSet, password_choose
from moncompte.web import session
from moncompte.web.device_cookie import device_cookie_give
from moncompte.web.forms.journey import ContactForm, IdentityForm, PasswordForm
from moncompte.web.routing import landing_at, restricted_page, signed_in_page
from moncompte.web.views.common import (
    FORM_METHODS,
    STEPS,
    captcha_context,
    captcha_form,
    captcha_proof,
    form_page,
    time_limit_context,
)

INFO_PAGES = {"accessibilite", "mentions-legales", "donnees-personnelles", "aide"}


@require_safe
def home_page(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", {"notice": session.notice_pop(request)})


@require_safe
def info_page(request: HttpRequest, name: str) -> HttpResponse:
    """The pages every French public service shows in its footer (R-A11Y6)."""
    if name not in INFO_PAGES:
        raise Http404("Page introuvable.")
    return render(request, f"web/info/{name}.html")


@require_http_methods(FORM_METHODS)
def identity_page(request: HttpRequest) -> HttpResponse:
    now, out = clock.now(), False
    form, submitted = captcha_form(request, IdentityForm)
    if submitted:
        try:
            proof = captcha_proof(request, form)
            sent = code_send(**form.person(), captcha=proof, client=session.client_of(request), now=now)
        except DomainError as error:
            form.add_domain_error(error)
        except SERVICE_OUT as error:
            out = outage_logged(error)
        else:
            session.code_sent_remember(request, sent)
            return redirect("web:code_sent")
    context = {"form": form, "step": STEPS["identity"], **captcha_context(request, now=now)}
    return form_page(request, "web/identity.html", context, out=out)


@require_safe
def code_sent_page(request: HttpRequest) -> HttpResponse:
    sent = session.code_sent_recall(request)
    if sent is None:
        return redirect("web:identity")
    return render(request, "web/code_sent.html", {"sent": sent, "step": STEPS["code_sent"]})


@require_http_methods(FORM_METHODS)
@restricted_page
def choose_password_page(request: HttpRequest, restricted: session.RestrictedSession) -> HttpResponse:
    form = PasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        client, account_id = session.client_of(request), restricted.account_id
        try:
            chosen = password_choose(account_id=account_id, **form.cleaned_data, client=client, now=clock.now())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            return _signed_in_with_new_code(request, chosen)
    return render(request, "web/choose_password.html", _choose_password_context(form, restricted))


def _choose_password_context(form: PasswordForm, restricted: session.RestrictedSession) -> dict[str, object]:
    # "Code oublié ?" leads here too: for an account that has a code already, a new one, not step 3 of 5.
    shown = personal_code_step_of(account_id=restricted.account_id)
    step = None if shown.replacing else STEPS["choose_password"]
    context = {"form": form, "person": shown.person, "replacing": shown.replacing, "until": restricted.until}
    return {**context, "step": step, **time_limit_context(restricted, now=clock.now())}


def _signed_in_with_new_code(request: HttpRequest, chosen: PersonalCodeSet) -> HttpResponse:
    session.start_signed_in(request, chosen.account_id, epoch=chosen.session_epoch)
    if chosen.replaced:
        session.notice_set(request, "Votre code personnel a été modifié.")
    return device_cookie_give(redirect(landing_at(chosen.state)), chosen.device)


@require_http_methods(FORM_METHODS)
@signed_in_page(AccountStep.GIVE_CONTACT_DETAILS)
def contact_page(request: HttpRequest, account_id: int) -> HttpResponse:
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            masked = contact_submit(
                account_id=account_id, details=form.details(), client=session.client_of(request), now=clock.now()
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            session.end(request)  # R-EM1: signed out, then asked to open the link.
            session.validation_remember(request, masked)
            return redirect("web:email_validation")
    return _contact_form(request, form, contact_step_of(account_id=account_id))


def _contact_form(request: HttpRequest, form: ContactForm, step: ContactStep) -> HttpResponse:
    """Issue 23: the address that received the provisional code, offered again in both fields (not typed a third
    time) until the person types; and why an address is asked again (R-EM7). Read only to show the page."""
    if not form.is_bound:
        form = ContactForm(initial={"email": step.code_email, "email_confirmation": step.code_email})
    context = {"form": form, "step": STEPS["contact"], "forgotten": step.forgotten}
    return render(request, "web/contact.html", context)


@require_safe
def email_validation_page(request: HttpRequest) -> HttpResponse:
    signed = session.signed_in_session(request)
    facts = delivery_facts_of(account_id=signed.account_id, now=clock.now()) if signed else None
    context = {"email_masked": session.validation_recall(request), "step": STEPS["email_validation"], "facts": facts}
    return render(request, "web/email_validation.html", context)
