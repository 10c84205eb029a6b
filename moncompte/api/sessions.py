"""R-API1: the app's sessions — signing in (a restricted token with the provisional code, a token pair with the
personal code), refreshing, signing out, the person's devices — and what every token answer says of the step
the person is at."""

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import Field

from moncompte.accounts import inputs
from moncompte.accounts.emails import Window
from moncompte.accounts.selectors import account_state_of, pending_email_of
from moncompte.accounts.steps import AccountStep, step_of
from moncompte.api import examples, texts
from moncompte.api.common import AppBearer, Problem, Step, bearer, client_of, documented, read, typed
from moncompte.appsessions import tokens
from moncompte.core import clock
from moncompte.selfservice.sign_in import sign_in

router = Router(tags=["session"])

WINDOW_MESSAGES = {
    Window.ACTIVE: "Cliquez sur le lien reçu par email pour confirmer votre adresse ; seul le plus récent fonctionne.",
    Window.EXPIRED: "Le lien n'est plus actif : demandez-en un nouveau, à la même adresse ou à une autre.",
    Window.FORGOTTEN: "Votre adresse n'est plus mémorisée : saisissez une adresse email valide.",
}


class SignInIn(Schema):
    """Le NIR et un code : provisoire ou personnel."""

    nir: str = typed(inputs.NIR)
    code: str = typed(inputs.SIGN_IN_CODE)
    device_name: str = Field(
        "appareil",
        max_length=100,
        description="Le nom de l'appareil, que la personne voit dans « Mes appareils » (« Pixel de Camille »).",
    )
    device_token: str = Field("", max_length=200, description=texts.DEVICE_IN)  # R-LIM8


class TokensOut(Schema):
    """Une paire de jetons."""

    token_type: Literal["Bearer"] = Field(
        "Bearer",
        description="Toujours `Bearer` : le jeton d'accès s'envoie dans l'en-tête `Authorization: Bearer "
        "<access_token>`.",
    )
    access_token: str = Field(description="Le jeton d'accès des opérations protégées. Un secret.")
    expires_in: int = Field(
        description="La durée de validité du jeton d'accès, en secondes ; le jeton restreint vaut jusqu'à "
        "l'expiration du code provisoire."
    )
    refresh_token: str | None = Field(
        description="Le jeton de renouvellement, pour `POST /sessions/refresh` quand le jeton d'accès a expiré ; "
        "il ne sert qu'une fois. null avec le jeton restreint du code provisoire. Un secret."
    )
    device_token: str | None = Field(None, description=texts.DEVICE_OUT)


class TokensAndStepOut(TokensOut):
    """Les jetons d'une session ouverte ou renouvelée, et l'étape où en est la personne."""

    scope: Literal[AccountStep.CHOOSE_PERSONAL_CODE, AccountStep.ACCOUNT] = Field(
        description="Ce que permet le jeton : `choose_personal_code`, le jeton restreint du code provisoire, qui "
        "n'ouvre que `POST /personal-code` ; `account`, les opérations de l'étape où en est la personne."
    )
    next_step: Step = Field(
        description="L'étape où en est la personne, où mener l'application : `choose_personal_code` (choisir son "
        "code personnel, `POST /personal-code`) ; `give_contact_details` (donner ses coordonnées, `POST "
        "/enrollment/contact`) ; `confirm_email` (cliquer sur le lien reçu par email, que `POST /email/resend` et "
        "`POST /email/replace` renvoient) ; `account` (le compte est ouvert)."
    )
    message: str = Field(
        description="Ce que le site dit à cette étape, en français, à montrer à la personne (vide s'il n'y a rien à "
        "dire) ; à l'étape `confirm_email`, si le lien est encore actif, expiré, ou si l'adresse n'est plus "
        "mémorisée."
    )


class RefreshIn(Schema):
    """Le jeton de renouvellement."""

    refresh_token: str = Field(
        max_length=200,
        description="Le jeton de renouvellement reçu avec la dernière paire. Il ne sert qu'une fois : présenté de "
        "nouveau, il met fin à toute la session, sauf pour une demande renvoyée aussitôt par le même client (une "
        "réponse perdue), qui reçoit la même réponse.",
    )


class SessionOut(Schema):
    """Une session ouverte : un appareil connecté."""

    id: int = Field(description="L'identifiant de la session.")
    device_name: str = Field(description="Le nom de l'appareil donné à la connexion (`device_name`).")
    created_at: datetime = Field(description="La date et l'heure de la connexion (ISO 8601, UTC).")
    last_used_at: datetime = Field(description="La date et l'heure de la dernière utilisation (ISO 8601, UTC).")
    current: bool = Field(description="true pour la session du jeton présenté : cet appareil-ci.")


def tokens_out(issued: tokens.IssuedTokens, *, account_id: int, device: str | None = None) -> dict[str, Any]:
    """A TokensAndStepOut: the tokens, and the step the person is at (accounts.steps) with what the web says there."""
    restricted = AccountStep.CHOOSE_PERSONAL_CODE
    step = restricted if issued.restricted else step_of(account_state_of(account_id=account_id))
    message = ""
    if step is AccountStep.CONFIRM_EMAIL:  # R-EM8: never the account before the email is confirmed; say which window
        message = WINDOW_MESSAGES[pending_email_of(account_id=account_id, now=clock.now()).window]
    return {
        "access_token": issued.access_token,
        "expires_in": issued.expires_in,
        "refresh_token": issued.refresh_token,
        "device_token": device,
        "scope": restricted if issued.restricted else AccountStep.ACCOUNT,
        "next_step": step,
        "message": message,
    }


@router.post(
    "/sessions",
    response={200: TokensAndStepOut, 400: Problem, 429: Problem},
    summary="Se connecter",
    description="Avec le NIR et le code provisoire : un jeton restreint (`scope` = `choose_personal_code`), qui ne "
    "permet que de choisir le code personnel. Avec le NIR et le code personnel : une paire de jetons d'accès et "
    "de renouvellement (`scope` = `account`). `next_step` dit l'étape où en est la personne. Après des échecs "
    "répétés, la connexion est suspendue un moment (429, `Retry-After`).",
    openapi_extra=documented(
        request=examples.SIGN_IN,
        answers={200: ("La session est ouverte (ici, le code personnel, compte ouvert)", examples.SIGNED_IN)},
    ),
)
def sessions_open(request: HttpRequest, payload: SignInIn) -> dict[str, Any]:
    """Signing in with the NIR and the provisional code (restricted token) or the personal code (token pair)."""
    now, typed_in = clock.now(), read(inputs.SIGN_IN, payload)
    client, device = client_of(request), payload.device_token
    signed = sign_in(nir=typed_in["nir"], secret=typed_in["code"], client=client, device=device, now=now)
    issued = tokens.session_open(
        account_id=signed.account_id,
        device_name=payload.device_name,
        epoch=signed.session_epoch,
        restricted_until=signed.restricted_until,
        now=now,
    )
    return tokens_out(issued, account_id=signed.account_id, device=signed.device)


@router.post(
    "/sessions/refresh",
    response={200: TokensAndStepOut, 401: Problem},
    summary="Renouveler ses jetons",
    description="Une nouvelle paire contre le jeton de renouvellement, qui ne sert qu'une fois : présenté de "
    "nouveau, il met fin à toute la session (401 ; la personne se reconnecte), sauf pour une demande renvoyée "
    "aussitôt par le même client, qui reçoit la même réponse.",
    openapi_extra=documented(
        request=examples.REFRESH, answers={200: ("Une nouvelle paire", {**examples.SIGNED_IN, "device_token": None})}
    ),
)
def sessions_refresh(request: HttpRequest, payload: RefreshIn) -> dict[str, Any]:
    """A new pair; the refresh token given is used up. Given twice, the whole session is revoked."""
    issued = tokens.session_refresh(refresh_token=payload.refresh_token, client=client_of(request), now=clock.now())
    return tokens_out(issued, account_id=issued.account_id)


@router.delete(
    "/sessions/current",
    response={204: None, 401: Problem},
    auth=AppBearer(),
    summary="Se déconnecter",
    description="Met fin à la session du jeton présenté (son jeton d'accès et son jeton de renouvellement), jeton "
    "restreint compris. Avec le jeton restreint (avant le choix du code personnel) : le code provisoire a servi à "
    "la connexion et ne sert qu'une fois ; après cette déconnexion, la personne doit demander un nouveau code "
    "provisoire (« Code oublié ? », `POST /code-forgot`) pour revenir choisir son code personnel. L'application "
    "le lui dit avant de la déconnecter.",
    openapi_extra=documented(answers={204: ("La session est terminée", None)}),
)
def sessions_close(request: HttpRequest) -> Status[None]:
    session = bearer(request, restricted=getattr(getattr(request, "auth", None), "restricted", False))
    tokens.session_revoke(session_id=session.session_id, because="signed_out", now=clock.now())
    return Status(204, None)


@router.get(
    "/sessions",
    response={200: list[SessionOut], 401: Problem},
    auth=AppBearer(),
    summary="Lister ses appareils",
    description="Les sessions ouvertes du compte, une par appareil connecté (« Mes appareils » sur le site), de la "
    "plus récemment utilisée à la plus ancienne : seulement celles qui fonctionnent encore (ni déconnectées, ni "
    "terminées par un nouveau code personnel, ni expirées). `current` désigne celle du jeton présenté.",
    openapi_extra=documented(answers={200: ("Les sessions ouvertes", examples.SESSIONS)}),
)
def sessions_list(request: HttpRequest) -> list[dict[str, Any]]:
    session = bearer(request)
    return [
        {
            "id": each.id,
            "device_name": each.device_name,
            "created_at": each.created_at,
            "last_used_at": each.last_used_at,
            "current": each.id == session.session_id,
        }
        for each in tokens.sessions_of(account_id=session.account_id, now=clock.now())
    ]
