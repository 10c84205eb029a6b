"""R-EM10: the confirmation link opened by the app itself (a universal link): the same use case as the web's page
and its button (`email_confirm`, R-EM4..7), the link's refusals as problems."""

from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from moncompte.api import examples
from moncompte.api.common import Problem, client_of, documented
from moncompte.core import clock
from moncompte.enrollment import email_links

router = Router(tags=["parcours"])

LinkToken = Annotated[
    str,
    Field(
        min_length=1,
        max_length=200,
        description="Le jeton du lien reçu par email : ce qui suit `/email/` dans l'adresse du lien "
        "(`https://…/email/<jeton>/`), sans la barre oblique finale.",
    ),
]


class EmailConfirmIn(Schema):
    """Le lien de confirmation ouvert par l'application."""

    token: LinkToken


class EmailConfirmedOut(Schema):
    """L'adresse email est confirmée."""

    status: Literal["confirmed", "already_confirmed"] = Field(
        description="`confirmed` : confirmée par cette demande ; `already_confirmed` : le lien avait déjà servi, il "
        "n'y a plus rien à faire (ce n'est pas une erreur)."
    )
    email_masked: str = Field(description="L'adresse confirmée, en partie masquée (« c•••••e@example.fr »).")
    address_changed: bool = Field(
        description="Vrai quand cette adresse remplace une adresse déjà confirmée (changement d'adresse depuis « Mon "
        "compte ») : l'ancienne ne reçoit plus de courriels."
    )
    message: str = Field(description="Ce que la page du site dit alors, en français, à montrer à la personne.")


SAID = {
    "confirmed": "Votre adresse email est confirmée : votre compte est prêt. Vous pouvez vous connecter avec votre "
    "numéro de sécurité sociale et votre code personnel.",
    "address_changed": "Votre nouvelle adresse email est confirmée : c'est désormais à cette adresse que vous "
    "recevrez les courriels de l'Assurance Maladie ; l'ancienne n'en reçoit plus.",
    "already_confirmed": "Votre adresse email est déjà confirmée : ce lien a déjà servi, il n'y a plus rien à faire.",
}


@router.post(
    "/email/confirm",
    response={200: EmailConfirmedOut, 400: Problem, 404: Problem},
    summary="Confirmer l'adresse email avec le lien reçu",
    description="Pour une application qui ouvre elle-même le lien du courriel « Confirmation de votre adresse mail » "
    "(lien universel) : le jeton du lien confirme l'adresse, comme le bouton « Confirmer mon email » de la page du "
    "lien, avec les mêmes règles. Aucun jeton d'accès n'est demandé : le lien suffit. Seul le lien le plus récent "
    "fonctionne (400 `link_replaced`), pendant la durée de validité du lien (400 `link_expired` ensuite : le "
    "renvoyer par `POST /email/resend`, ou à une autre adresse par `POST /email/replace`, une fois connecté), "
    "et une adresse non confirmée est oubliée au bout de quelques semaines (400 `link_forgotten` : se connecter "
    "pour en donner une). Un lien coupé ou mal recopié répond 404 `link_unknown`. Confirmer deux fois n'est pas "
    "une erreur (`already_confirmed`). Ouvrir le lien dans un navigateur reste possible : la page le confirme de "
    "la même façon.",
    openapi_extra=documented(
        answers={200: ("L'adresse est confirmée", examples.EMAIL_CONFIRMED)}, request=examples.EMAIL_CONFIRM
    ),
)
def email_confirm(request: HttpRequest, payload: EmailConfirmIn) -> dict[str, Any]:
    """R-EM10: the web page's button, for the app (email_links.email_confirm_or_refuse)."""
    state = email_links.email_confirm_or_refuse(token=payload.token, client=client_of(request), now=clock.now())
    status = state.status.value
    said = SAID["address_changed" if state.address_changed else status]
    changed = state.address_changed
    return {"status": status, "email_masked": state.email_masked, "address_changed": changed, "message": said}
