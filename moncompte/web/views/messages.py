"""« Ma messagerie » (R-MSG3, R-MSG4): the box, newest first; a message, read once opened; its deletion."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from moncompte.accounts.steps import AccountStep
from moncompte.core import clock
from moncompte.messaging.box import message_delete, message_open
from moncompte.messaging.errors import MessageNotFound
from moncompte.messaging.selectors import message_box_page, message_of
from moncompte.web import session
from moncompte.web.routing import signed_in_page
from moncompte.web.views.common import FORM_METHODS


def _number(raw: str) -> int:
    return int(raw) if raw.isdigit() and len(raw) < 12 else 0


@require_safe
@signed_in_page(AccountStep.ACCOUNT)
def messages_page(request: HttpRequest, account_id: int) -> HttpResponse:
    box = message_box_page(account_id=account_id, page=_number(request.GET.get("page", "1")) or 1)
    return render(request, "web/messages.html", {"box": box, "notice": session.notice_pop(request)})


@require_safe
@signed_in_page(AccountStep.ACCOUNT)
def message_page(request: HttpRequest, account_id: int) -> HttpResponse:
    try:
        shown = message_open(account_id=account_id, message_id=_number(request.GET.get("id", "")), now=clock.now())
    except MessageNotFound as error:
        raise Http404(error.message) from None
    return render(request, "web/message.html", {"message": shown})


@require_http_methods(FORM_METHODS)
@signed_in_page(AccountStep.ACCOUNT)
def message_delete_page(request: HttpRequest, account_id: int) -> HttpResponse:
    """A confirmation page, then the deletion (POST)."""
    message_id = _number(request.GET.get("id", "") or request.POST.get("id", ""))
    try:
        if request.method != "POST":
            shown = message_of(account_id=account_id, message_id=message_id)
            return render(request, "web/message_delete.html", {"message": shown})
        client = session.client_of(request)
        message_delete(account_id=account_id, message_id=message_id, client=client, now=clock.now())
    except MessageNotFound as error:
        raise Http404(error.message) from None
    session.notice_set(request, "Le message est supprimé.")
    return redirect("web:messages")
