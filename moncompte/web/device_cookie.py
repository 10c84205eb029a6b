"""R-LIM8: the browser's device cookie, given at a sign-in with the personal code (or with a new one) and read
by « Code oublié ? ». HttpOnly, Secure outside the demo, SameSite=Lax, and signed with the service's key on top
of the secret it carries (enrollment.devices checks that secret against its account): a cookie altered,
forged or from another account is worth nothing, and never refused with an error."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from moncompte.core.conf import conf

NAME = "moncompte_appareil"
SALT = "moncompte.web.device_cookie"


def device_cookie_of(request: HttpRequest) -> str:
    """The credential the browser holds, "" when none, unsigned, expired or altered."""
    value = request.get_signed_cookie(NAME, default="", salt=SALT, max_age=conf().device_lifetime)
    return value or ""


def device_cookie_give(response: HttpResponse, credential: str | None) -> HttpResponse:
    """`response`, setting the cookie when there is a credential to give."""
    if credential:
        response.set_signed_cookie(
            NAME,
            credential,
            salt=SALT,
            max_age=int(conf().device_lifetime.total_seconds()),
            httponly=True,
            secure=settings.SECURE_COOKIES,
            samesite="Lax",
        )
    return response
