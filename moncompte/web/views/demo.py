"""The demo's local mailbox (R-MAIL2): read in the browser what the service sent. Demo only."""

from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_safe

from moncompte.outbox.sink import Received, received, received_one

EMAIL_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"


def _maildir() -> Path:
    if not settings.DEMO:
        raise Http404("La boîte mail locale n'existe que dans la démonstration.")
    path: Path = settings.VAR_DIR / "mailbox"
    return path


def _one(key: str) -> Received:
    item = received_one(_maildir(), key)
    if item is None:
        raise Http404("Message introuvable.")
    return item


@require_safe
def mailbox(request: HttpRequest) -> HttpResponse:
    return render(request, "web/demo_mailbox.html", {"messages_received": received(_maildir())})


@require_safe
def mailbox_message(request: HttpRequest, key: str) -> HttpResponse:
    return render(request, "web/demo_message.html", {"item": _one(key)})


@require_safe
@xframe_options_sameorigin
def mailbox_html(request: HttpRequest, key: str) -> HttpResponse:
    # Links open outside the mailbox frame: the service's own pages refuse to be framed.
    html = _one(key).html.replace("<head>", '<head><base target="_blank">', 1)
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = EMAIL_CSP
    return response
