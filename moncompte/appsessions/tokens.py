"""R-API2: the app's tokens. Sign-in gives a short access token (15 minutes) and a refresh token (30 days)
bound to a device name; refreshing rotates both, and a refresh token used twice revokes the whole family.
Tokens are random (secrets), stored as digests, revocable; a new personal code ends them (R-LIM5)."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q

from moncompte.accounts.models import Account
from moncompte.appsessions.models import AppSession, AppToken, TokenKind
from moncompte.appsessions.queries import LiveSession, live_sessions_of
from moncompte.audit import log as audit
from moncompte.core import tokens
from moncompte.core.client import Client
from moncompte.core.conf import conf
from moncompte.core.errors import DomainError

PURPOSE = "app_token"
LAST_USED_PRECISION = timedelta(minutes=1)


class TokenRefused(DomainError):
    code = "token_refused"
    message = "Votre session n'est plus valable : connectez-vous à nouveau."


class TokenExpired(TokenRefused):
    """An access token past its 15 minutes, of a session that still works: the app refreshes, silently."""

    code = "token_expired"
    message = "Votre session a expiré : elle va être renouvelée."


@dataclass(frozen=True)
class IssuedTokens:
    account_id: int
    access_token: str
    expires_in: int
    refresh_token: str | None  # none for the restricted session of the provisional code
    restricted: bool


@dataclass(frozen=True)
class Bearer:
    account_id: int
    session_id: int
    restricted: bool


def _new(session: AppSession, kind: TokenKind, *, now: datetime, lifetime: timedelta, spent: str = "") -> str:
    value = _successor(spent, kind) if spent else f"mc{kind.value[0]}_{secrets.token_urlsafe(32)}"
    AppToken.objects.create(
        session=session,
        kind=kind,
        digest=tokens.digest(purpose=PURPOSE, value=value),
        created_at=now,
        expires_at=now + lifetime,
    )
    return value


def session_open(
    *, account_id: int, device_name: str, epoch: int, restricted_until: datetime | None, now: datetime, spent: str = ""
) -> IssuedTokens:
    """A new session of the app; `spent`: the token it follows (see _successor)."""
    with transaction.atomic():
        session = AppSession.objects.create(
            account_id=account_id,
            device_name=device_name[:100] or "appareil",
            session_epoch=epoch,
            created_at=now,
            last_used_at=now,
        )
        if restricted_until is not None:  # R-CODE4: only the personal code may be chosen, until the code expires
            access = _new(session, TokenKind.RESTRICTED, now=now, lifetime=restricted_until - now)
            seconds = int((restricted_until - now).total_seconds())
            return IssuedTokens(account_id, access, seconds, None, restricted=True)
        return _pair(session, now=now, spent=spent)


def _successor(spent: str, kind: TokenKind) -> str:
    """The token of `kind` that replaces the token `spent`: derived from it with the service's key (256 bits,
    unguessable without both), so that a retry with the same spent token gets the very same answer while only
    digests are stored (R-API2)."""
    return f"mc{kind.value[0]}_{tokens.digest(purpose=f'{PURPOSE}:after:{kind.value}', value=spent)}"


def _client_mark(client: Client) -> str:
    return tokens.digest(purpose=f"{PURPOSE}:client", value=f"{client.address}\n{client.user_agent}")


def _pair(session: AppSession, *, now: datetime, spent: str = "") -> IssuedTokens:
    """A new access and refresh pair; with `spent`, the pair that replaces that spent token."""
    config = conf()
    access = _new(session, TokenKind.ACCESS, now=now, lifetime=config.app_access_lifetime, spent=spent)
    refresh = _new(session, TokenKind.REFRESH, now=now, lifetime=config.app_refresh_lifetime, spent=spent)
    seconds = int(config.app_access_lifetime.total_seconds())
    return IssuedTokens(session.account_id, access, seconds, refresh, restricted=False)


def session_live(session: AppSession) -> bool:
    epoch = Account.objects.filter(pk=session.account_id).values_list("session_epoch", flat=True).first()
    return session.revoked_at is None and epoch == session.session_epoch


def bearer_of(*, value: str, now: datetime) -> Bearer | None:
    """The session an access (or restricted) token opens, if the token is live."""
    token = (
        AppToken.objects.select_related("session")
        .filter(digest=tokens.digest(purpose=PURPOSE, value=value), kind__in=[TokenKind.ACCESS, TokenKind.RESTRICTED])
        .first()
    )
    if token is None or token.expires_at <= now or not session_live(token.session):
        return None
    # "Last used" for « Mes appareils » at the minute: not one write per request on the hot path.
    AppSession.objects.filter(pk=token.session_id, last_used_at__lt=now - LAST_USED_PRECISION).update(last_used_at=now)
    return Bearer(token.session.account_id, token.session_id, restricted=token.kind == TokenKind.RESTRICTED)


def access_expired(*, value: str, now: datetime) -> bool:
    """Whether `value` is an access token that expired while its session still works, so that a refresh saves it
    (read only when bearer_of found nothing: a refused request's extra query, never the hot path's)."""
    token = (
        AppToken.objects.select_related("session")
        .filter(digest=tokens.digest(purpose=PURPOSE, value=value), kind=TokenKind.ACCESS)
        .first()
    )
    return token is not None and token.expires_at <= now and session_live(token.session)


def token_spend(token: AppToken, *, client: Client, now: datetime) -> None:
    """A refresh or restricted token is used once; who used it is kept for the grace period's retry."""
    AppToken.objects.filter(pk=token.pk).update(used_at=now, used_by=_client_mark(client))


def retry_answer(spent: AppToken, *, value: str, client: Client, now: datetime) -> IssuedTokens | None:
    """R-API2: the answer given when the token `spent` (whose value is `value`) was used, if this is its retry:
    from the same client, within the grace period, and that answer's pair not used or ended since. None otherwise
    (a copy used elsewhere, or too late)."""
    grace = conf().app_token_retry_grace
    if spent.used_at is None or spent.used_at + grace <= now or spent.used_by != _client_mark(client):
        return None
    digests = {tokens.digest(purpose=PURPOSE, value=_successor(value, kind)): kind for kind in TokenKind}
    found = AppToken.objects.select_related("session").filter(digest__in=digests, expires_at__gt=now, used_at=None)
    pair = {token.kind: token for token in found if session_live(token.session)}
    access, refresh = pair.get(TokenKind.ACCESS), pair.get(TokenKind.REFRESH)
    if access is None or refresh is None:
        return None
    seconds = int((access.expires_at - now).total_seconds())
    account_id = access.session.account_id
    return IssuedTokens(
        account_id, _successor(value, TokenKind.ACCESS), seconds, _successor(value, TokenKind.REFRESH), False
    )


def session_refresh(*, refresh_token: str, client: Client, now: datetime) -> IssuedTokens:
    """Rotates the pair. A refresh token already used means it was copied, and the whole family is revoked;
    unless it is the same client's retry within the grace period, which gets the same answer again."""
    digest = tokens.digest(purpose=PURPOSE, value=refresh_token)
    with transaction.atomic():
        refresh = AppToken.objects.select_for_update().select_related("session")
        token = refresh.filter(digest=digest, kind=TokenKind.REFRESH).first()
        if token is None or token.expires_at <= now or not session_live(token.session):
            raise TokenRefused()
        if token.used_at is None:
            token_spend(token, client=client, now=now)
            AppToken.objects.filter(session=token.session, kind=TokenKind.ACCESS).update(expires_at=now)
            return _pair(token.session, now=now, spent=refresh_token)
        retried = retry_answer(token, value=refresh_token, client=client, now=now)
        if retried is not None:
            return retried
    # Reused: written outside the refused transaction, so that the revocation stays.
    session_revoke(session_id=token.session_id, because="refresh_reused", now=now)
    audit.record(event="app_refresh_reused", now=now, account_id=token.session.account_id, client=client)
    raise TokenRefused()


def session_continue(*, session_id: int, epoch: int, now: datetime, spent: str = "") -> IssuedTokens:
    """After the personal code is chosen or changed: that session ends (its epoch is over), a full one opens on
    the same device; with `spent` (the restricted token), its pair is the one a retry of that token gets."""
    ended = AppSession.objects.get(pk=session_id)
    session_revoke(session_id=session_id, because="personal_code_chosen", now=now)
    return session_open(
        account_id=ended.account_id,
        device_name=ended.device_name,
        epoch=epoch,
        restricted_until=None,
        now=now,
        spent=spent,
    )


def session_revoke(*, session_id: int, because: str, now: datetime) -> None:
    AppSession.objects.filter(pk=session_id, revoked_at=None).update(revoked_at=now, revoked_because=because)
    AppToken.objects.filter(session_id=session_id, expires_at__gt=now).update(expires_at=now)


def sessions_of(*, account_id: int, now: datetime) -> list[LiveSession]:
    """« Mes appareils »: the sessions that still work — not signed out or revoked, not ended by a new personal code
    (R-LIM5: their epoch is over), and with a token still usable (an unspent refresh token, or a restricted one)."""
    return live_sessions_of(account_id=account_id, now=now)


def device_revoke(*, account_id: int, session_id: int, now: datetime) -> bool:
    """« Mes appareils »: the person ends one of their app sessions (never someone else's)."""
    if not AppSession.objects.filter(pk=session_id, account_id=account_id, revoked_at=None).exists():
        return False
    session_revoke(session_id=session_id, because="revoked_from_web", now=now)
    audit.record(event="app_session_revoked", now=now, account_id=account_id, device=str(session_id))
    return True


def app_sessions_purge(*, now: datetime) -> int:
    """Periodic job: sessions ended (revoked, or every token expired) more than 30 days ago are deleted with
    their tokens; what they were is in the audit log."""
    horizon = now - conf().app_refresh_lifetime
    live = AppToken.objects.filter(expires_at__gt=horizon).values("session_id")
    ended = AppSession.objects.filter(Q(revoked_at__lt=horizon) | Q(revoked_at=None, created_at__lt=horizon)).exclude(
        pk__in=live
    )
    _, by_model = ended.delete()
    return by_model.get(AppSession._meta.label, 0)
