"""What several views share."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from moncompte.captcha.challenges import challenge_create
from moncompte.captcha.guard import CaptchaProof
from moncompte.captcha.work import work_challenge
from moncompte.core.conf import conf
from moncompte.core.errors import TooManyAttempts
from moncompte.core.outage import SERVICE_OUT
from moncompte.core.service_terms import service_terms
from moncompte.web import session
from moncompte.web.forms.journey import CaptchaForm
from moncompte.web.views.errors import unavailable

FORM_METHODS = ["GET", "HEAD", "POST"]
CAPTCHA_WHILE_OUT = (
    "Le code anti-robot ne peut pas être affiché pour le moment : il le sera quand vous renverrez le formulaire."
)


@dataclass(frozen=True)
class Step:
    """Where a page stands in the first visit (R-A11Y6: "Étape 3 sur 5 — Mon code personnel")."""

    number: int
    name: str
    of: int = 5


STEPS = {
    "identity": Step(1, "Mon identité"),
    "code_sent": Step(2, "Mon code provisoire"),
    "choose_password": Step(3, "Mon code personnel"),
    "contact": Step(4, "Mes coordonnées"),
    "email_validation": Step(5, "Validation de mon email"),
}


def form_page(request: HttpRequest, template: str, context: dict[str, Any], *, out: bool) -> HttpResponse:
    """The form's page; `out`: the database or Redis was out (core.outage) while the form was sent, so the page
    is a 503 that says so above the form, which comes back with what was typed (R-A11Y6)."""
    page = render(request, template, {**context, "kept_while_out": out})
    return unavailable(page) if out else page


def captcha_form[F: CaptchaForm](request: HttpRequest, form_class: type[F]) -> tuple[F, bool]:
    """A form with a CAPTCHA, and whether it was submitted valid. "Nouveau code" re-shows what was typed,
    without errors (R-A11Y2)."""
    wants_new_captcha = request.POST.get("action") == "new_captcha"
    form = form_class(initial=request.POST.dict()) if wants_new_captcha else form_class(request.POST or None)
    submitted = request.method == "POST" and not wants_new_captcha and form.is_valid()
    return form, submitted


def captcha_proof(request: HttpRequest, form: CaptchaForm) -> CaptchaProof:
    return form.captcha_proof(binding=session.captcha_binding(request))


def captcha_context(request: HttpRequest, *, now: datetime) -> dict[str, Any]:
    """A new challenge for the page and the proof of work made for it (R-CAP6); past the limits, the reason
    instead (R-CAP4), or that the service is out."""
    client = session.client_of(request)
    try:
        challenge = challenge_create(binding=session.captcha_binding(request), client=client, now=now)
    except TooManyAttempts as refused:
        return {"challenge": None, "captcha_refused": refused.message}
    except SERVICE_OUT:  # its limits cannot be read: the form's page is shown without it (R-A11Y6)
        return {"challenge": None, "captcha_refused": CAPTCHA_WHILE_OUT}
    return {
        "challenge": challenge,
        "captcha_refused": "",
        "work_challenge": work_challenge(challenge_id=challenge.id, client=client, now=now),
        "captcha_seconds_left": int(conf().captcha_lifetime.total_seconds()),
    }


def time_limit_context(restricted: session.RestrictedSession, *, now: datetime) -> dict[str, Any]:
    """What the warning before the end of a restricted session needs (R-A11Y5)."""
    return {
        "seconds_left": max(0, int((restricted.until - now).total_seconds())),
        "extend_url": reverse("web:restricted_extend"),
        "extend_label": f"Prolonger de {service_terms().restricted_extension}",
        "ended_url": reverse("web:sign_in") + "?expire=1",
    }
