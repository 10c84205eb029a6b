"""R-API1: the app's sessions — signing in (a restricted token with the provisional code, a token pair with the
personal code), refreshing, signing out, the person's devices — and what every token answer says of the step
the person is at."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import Field

from moncompte.accounts import inputs
from moncompte.accounts.emails import Window
from moncompte.accounts.selectors import account_state_of, pending_email_of
from moncompte.accounts.steps import AccountStep, step_of
from moncompte.api.common import AppBearer, Problem, bearer, client_of, read, typed
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
    nir: str = typed(inputs.NIR)
    code: str = typed(inputs.SIGN_IN_CODE)
    device_name: str = Field("appareil", max_length=100)
    device_token: str = Field("", max_length=200)  # R-LIM8: the one this app was given, if any


class TokensOut(Schema):
    token_type: str = "Bearer"  # noqa: S105 - the scheme's name, not a secret
    access_token: str
    expires_in: int
    refresh_token: str | None  # none with the restricted token of a provisional code
    # R-LIM8: given with a personal code; sent back with « Code oublié ? », it gets a code past the caps that
    # others use up. Kept by the app as a secret; a new personal code ends it and gives another.
    device_token: str | None = None


class TokensAndStepOut(TokensOut):
    """Tokens of a session opened or carried on, and where the person stands."""

    scope: str  # "choose_personal_code" (provisional code) or "account"
    next_step: str  # where the person is: choose_personal_code, give_contact_details, confirm_email, account
    message: str  # what the web would say on that step, in French


class RefreshIn(Schema):
    refresh_token: str = Field(max_length=200)


class SessionOut(Schema):
    id: int
    device_name: str
    created_at: datetime
    last_used_at: datetime


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


@router.post("/sessions", response={200: TokensAndStepOut, 400: Problem, 429: Problem})
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


@router.post("/sessions/refresh", response={200: TokensAndStepOut, 401: Problem})
def sessions_refresh(request: HttpRequest, payload: RefreshIn) -> dict[str, Any]:
    """A new pair; the refresh token given is used up. Given twice, the whole session is revoked."""
    issued = tokens.session_refresh(refresh_token=payload.refresh_token, client=client_of(request), now=clock.now())
    return tokens_out(issued, account_id=issued.account_id)


@router.delete("/sessions/current", response={204: None, 401: Problem}, auth=AppBearer())
def sessions_close(request: HttpRequest) -> Status[None]:
    session = bearer(request, restricted=getattr(getattr(request, "auth", None), "restricted", False))
    tokens.session_revoke(session_id=session.session_id, because="signed_out", now=clock.now())
    return Status(204, None)


@router.get("/sessions", response={200: list[SessionOut], 401: Problem}, auth=AppBearer())
def sessions_list(request: HttpRequest) -> list[Any]:
    return tokens.sessions_of(account_id=bearer(request).account_id)
