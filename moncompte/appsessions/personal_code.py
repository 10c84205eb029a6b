"""R-CODE4, R-API2: the personal code chosen in the app with the restricted token of the provisional code, once.
Both requests of a double submit pass the token check together: the token's row is locked, the first chooses
the code and spends the token, the second (or a retry from the same client within the grace period, with the
same code) gets the first one's answer. Never a second code, whose new session epoch would end the pair just
given (every later call refused)."""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from moncompte.accounts import passwords
from moncompte.appsessions.models import AppToken, TokenKind
from moncompte.appsessions.tokens import (
    PURPOSE,
    IssuedTokens,
    TokenRefused,
    retry_answer,
    session_continue,
    session_live,
    token_spend,
)
from moncompte.core import tokens
from moncompte.core.client import Client
from moncompte.enrollment.devices import device_again
from moncompte.enrollment.password_choose import password_choose


@dataclass(frozen=True)
class ChosenInApp:
    """What the app gets for its personal code: the pair of its new session, and the device token of the new
    session epoch (R-LIM8), as a sign-in with the personal code gives one (None only for a retry that comes
    after that token has ended)."""

    issued: IssuedTokens
    device: str | None


def app_personal_code_choose(
    *, restricted_token: str, password: str, confirmation: str, client: Client, now: datetime
) -> ChosenInApp:
    """The pair of the session that follows the restricted one and a device token, or TokenRefused (401). Both
    are derived from the restricted token, so a retry gets them again (R-API2)."""
    digest = tokens.digest(purpose=PURPOSE, value=restricted_token)
    with transaction.atomic():
        found = AppToken.objects.select_for_update().select_related("session", "session__account")
        token = found.filter(digest=digest, kind=TokenKind.RESTRICTED).first()
        if token is None:
            raise TokenRefused()
        account_id = token.session.account_id
        if token.used_at is not None:  # chosen already: the same answer to the same code, from the same client
            retried = retry_answer(token, value=restricted_token, client=client, now=now)
            if retried is None or not passwords.verify(token.session.account.password_hash, password):
                raise TokenRefused()
            return ChosenInApp(retried, device_again(account_id=account_id, seed=restricted_token, now=now))
        if token.expires_at <= now or not session_live(token.session):
            raise TokenRefused()
        chosen = password_choose(
            account_id=account_id,
            password=password,
            confirmation=confirmation,
            client=client,
            now=now,
            device_seed=restricted_token,
        )
        token_spend(token, client=client, now=now)
        epoch = chosen.session_epoch
        issued = session_continue(session_id=token.session_id, epoch=epoch, now=now, spent=restricted_token)
        return ChosenInApp(issued, chosen.device)
