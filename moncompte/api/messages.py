"""R-MSG3, R-MSG4: « Ma messagerie » in the app — the box (newest first, with the unread count), a message (read
once opened), its deletion. The same use cases as the web's pages."""

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from pydantic import Field

from moncompte.accounts.steps import AccountStep
from moncompte.api.common import AppBearer, Problem, at_step, client_of
from moncompte.core import clock
from moncompte.core.errors import DomainError
from moncompte.messaging.box import message_delete, message_open
from moncompte.messaging.selectors import message_box_page

router = Router(tags=["messagerie"])
ERRORS = {401: Problem, 403: Problem, 404: Problem}
MAX_ID = 2**53  # what a JSON number holds exactly; a larger id names no message


class MessageLineOut(Schema):
    id: int
    subject: str
    sender_service: str
    posted_at: datetime
    unread: bool
    promotional: bool


class MessageBoxOut(Schema):
    messages: list[MessageLineOut]
    unread: int
    page: int
    has_next: bool


class MessageOut(Schema):
    id: int
    subject: str
    body: str
    sender_service: str
    posted_at: datetime
    promotional: bool


class BoxQuery(Schema):
    page: Annotated[int, Field(ge=1, le=MAX_ID)] = 1


class UnknownParameter(DomainError):
    code = "invalid_input"
    message = "La demande est incomplète ou mal formée : vérifiez le champ indiqué."


@router.get("/messages", response={200: MessageBoxOut, 400: Problem, 401: Problem, 403: Problem}, auth=AppBearer())
def messages_list(request: HttpRequest, query: Query[BoxQuery]) -> Any:
    """The box, newest first, a page at a time (`has_next` says whether an older page exists)."""
    session = at_step(request, AccountStep.ACCOUNT)
    unknown = sorted(set(request.GET) - set(BoxQuery.model_fields))
    if unknown:  # refused, not ignored: a misspelt parameter would otherwise read the first page (R-API3)
        raise UnknownParameter(field=unknown[0][:100])
    return message_box_page(account_id=session.account_id, page=query.page)


@router.get("/messages/{message_id}", response={200: MessageOut, **ERRORS}, auth=AppBearer())
def message_get(request: HttpRequest, message_id: int) -> Any:
    """The message, marked read (plain text: the app shows it escaped, links made clickable)."""
    session = at_step(request, AccountStep.ACCOUNT)
    return message_open(account_id=session.account_id, message_id=min(max(message_id, 0), MAX_ID), now=clock.now())


@router.delete("/messages/{message_id}", response={204: None, **ERRORS}, auth=AppBearer())
def message_remove(request: HttpRequest, message_id: int) -> HttpResponse:
    session = at_step(request, AccountStep.ACCOUNT)
    message_id = min(max(message_id, 0), MAX_ID)
    message_delete(account_id=session.account_id, message_id=message_id, client=client_of(request), now=clock.now())
    return HttpResponse(status=204)
