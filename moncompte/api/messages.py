"""R-MSG3, R-MSG4: « Ma messagerie » in the app — the box (newest first, with the unread count), a message (read
once opened), its deletion. The same use cases as the web's pages."""

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import P, PathEx, Query, Router, Schema
from pydantic import Field

from moncompte.accounts.steps import AccountStep
from moncompte.api import examples
from moncompte.api.common import AppBearer, Problem, at_step, client_of, documented
from moncompte.core import clock
from moncompte.core.errors import DomainError
from moncompte.messaging.box import message_delete, message_open
from moncompte.messaging.selectors import message_box_page

router = Router(tags=["messagerie"])
ERRORS = {401: Problem, 403: Problem, 404: Problem}
MAX_ID = 2**53  # what a JSON number holds exactly; a larger id names no message


ID = "L'identifiant du message, pour `GET /messages/{message_id}` et `DELETE /messages/{message_id}`."
SUBJECT = "L'objet du message."
SENDER = "Le service de l'Assurance Maladie qui a déposé le message."
POSTED = "La date et l'heure du dépôt du message (ISO 8601, UTC)."
PROMOTIONAL = "true pour une information promotionnelle, false sinon."


class MessageLineOut(Schema):
    """Un message de la liste."""

    id: int = Field(description=ID)
    subject: str = Field(description=SUBJECT)
    sender_service: str = Field(description=SENDER)
    posted_at: datetime = Field(description=POSTED)
    unread: bool = Field(description="true tant que le message n'a pas été ouvert.")
    promotional: bool = Field(description=PROMOTIONAL)


class MessageBoxOut(Schema):
    """Une page de « Ma messagerie »."""

    messages: list[MessageLineOut] = Field(description="Les messages de la page, du plus récent au plus ancien.")
    unread: int = Field(description="Le nombre de messages non lus, dans toute la messagerie.")
    page: int = Field(description="Le numéro de cette page, à partir de 1.")
    has_next: bool = Field(description="true quand une page plus ancienne existe (`page` + 1).")


class MessageOut(Schema):
    """Un message."""

    id: int = Field(description=ID)
    subject: str = Field(description=SUBJECT)
    body: str = Field(
        description="Le texte, brut : à afficher échappé, fins de ligne gardées, les adresses web rendues cliquables."
    )
    sender_service: str = Field(description=SENDER)
    posted_at: datetime = Field(description=POSTED)
    promotional: bool = Field(description=PROMOTIONAL)


class BoxQuery(Schema):
    """Les paramètres de la liste."""

    page: Annotated[
        int, Field(ge=1, le=MAX_ID, description="Le numéro de la page, à partir de 1 (la plus récente).")
    ] = 1


MessageId = PathEx[int, P(description="L'identifiant du message : `id` d'une ligne de `GET /messages`.")]


class UnknownParameter(DomainError):
    code = "invalid_input"
    message = "La demande est incomplète ou mal formée : vérifiez le champ indiqué."


@router.get(
    "/messages",
    response={200: MessageBoxOut, 400: Problem, 401: Problem, 403: Problem},
    auth=AppBearer(),
    summary="Lister ses messages",
    description="« Ma messagerie » : les messages, du plus récent au plus ancien, une page à la fois (`has_next` "
    "dit si une page plus ancienne existe), et le nombre de messages non lus. Un paramètre inconnu est refusé "
    "(400).",
    openapi_extra=documented(answers={200: ("Une page de messages", examples.BOX)}),
)
def messages_list(request: HttpRequest, query: Query[BoxQuery]) -> Any:
    """The box, newest first, a page at a time (`has_next` says whether an older page exists)."""
    session = at_step(request, AccountStep.ACCOUNT)
    unknown = sorted(set(request.GET) - set(BoxQuery.model_fields))
    if unknown:  # refused, not ignored: a misspelt parameter would otherwise read the first page (R-API3)
        raise UnknownParameter(field=unknown[0][:100])
    return message_box_page(account_id=session.account_id, page=query.page)


@router.get(
    "/messages/{message_id}",
    response={200: MessageOut, **ERRORS},
    auth=AppBearer(),
    summary="Lire un message",
    description="Le message, désormais marqué lu. Le message d'un autre compte, un numéro inconnu ou un message "
    "supprimé : 404.",
    openapi_extra=documented(answers={200: ("Le message", examples.MESSAGE)}),
)
def message_get(request: HttpRequest, message_id: MessageId) -> Any:
    """The message, marked read (plain text: the app shows it escaped, links made clickable)."""
    session = at_step(request, AccountStep.ACCOUNT)
    return message_open(account_id=session.account_id, message_id=min(max(message_id, 0), MAX_ID), now=clock.now())


@router.delete(
    "/messages/{message_id}",
    response={204: None, **ERRORS},
    auth=AppBearer(),
    summary="Supprimer un message",
    description="Le message ne sera plus jamais montré. Le message d'un autre compte, un numéro inconnu ou un "
    "message déjà supprimé : 404.",
    openapi_extra=documented(answers={204: ("Le message est supprimé", None)}),
)
def message_remove(request: HttpRequest, message_id: MessageId) -> HttpResponse:
    session = at_step(request, AccountStep.ACCOUNT)
    message_id = min(max(message_id, 0), MAX_ID)
    message_delete(account_id=session.account_id, message_id=message_id, client=client_of(request), now=clock.now())
    return HttpResponse(status=204)
