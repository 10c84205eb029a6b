"""R-MSG7: one-click unsubscribe from promotional information by email (RFC 8058), without signing in."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from moncompte.core import clock
from moncompte.core.errors import DomainError
from moncompte.messaging.unsubscribe import email_consent_withdraw, unsubscribe_check
from moncompte.web import session
from moncompte.web.routing import no_referrer
from moncompte.web.views.common import FORM_METHODS


@csrf_exempt  # RFC 8058: the mail provider posts "List-Unsubscribe=One-Click" from its own servers, no cookie
@require_http_methods(FORM_METHODS)
@no_referrer
def unsubscribe_page(request: HttpRequest, token: str) -> HttpResponse:
    """GET (a person, or a link scanner) only offers the button; the POST withdraws the consent."""
    try:
        if request.method == "POST":
            email_consent_withdraw(token=token, client=session.client_of(request), now=clock.now())
        else:
            unsubscribe_check(token=token)
    except DomainError as error:
        return render(request, "web/unsubscribe.html", {"refused": error.message}, status=400)
    return render(request, "web/unsubscribe.html", {"refused": "", "done": request.method == "POST"})
