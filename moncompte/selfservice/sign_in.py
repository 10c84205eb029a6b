"""Signing in with NIR + provisional code (restricted session, R-CODE4) or personal code (R-PW9)."""

from dataclasses import dataclass
from datetime import datetime

from moncompte.accounts.queries import SignInAccount, account_of_nir
from moncompte.accounts.states import AccountState
from moncompte.audit import log as audit
from moncompte.core.client import Client
from moncompte.enrollment import devices
from moncompte.enrollment.provisional_codes import SecretKind, provisional_code_consume, secret_classify
from moncompte.enrollment.queries import CodeFound, provisional_code_of
from moncompte.registry.nir import Nir
from moncompte.selfservice.errors import SignInRejected
from moncompte.selfservice.personal_code import (
    ClientAttempt,
    attempt_count,
    attempt_succeeded,
    client_attempt_begin,
    personal_code_check,
)


@dataclass(frozen=True)
class SignedIn:
    account_id: int
    restricted_until: datetime | None  # set when signed in with a provisional code
    session_epoch: int
    state: AccountState  # where the person lands, known here without another read
    device: str | None = None  # R-LIM8: a device credential, given with the personal code only


def _latest_code_read_alike() -> None:
    """R-LIM4: a NIR without account makes the round trip `secret_classify` makes for an account (its code of
    the typed digest, by the same index), which matches nothing: both paths then read the database as often,
    and the answer time does not tell whether the NIR has an account (it did by one query, issue 21)."""
    provisional_code_of(account_id=0, digest="")


def sign_in(*, nir: Nir, secret: str, client: Client, device: str = "", now: datetime) -> SignedIn:
    """`device` is the credential the browser or app presented ("" when none): one of this account's counts its
    attempts apart, past the limits of its client that others may have used up (R-LIM8)."""
    account = account_of_nir(nir=nir.value)
    trusted = devices.device_of(credential=device, account=account, now=now) if device else None
    # R-LIM3: counted against the client's failures of the hour before anything is read, refused if one too
    # many, taken back unless the secret turns out wrong (R-PW9, R-LIM2).
    attempt = client_attempt_begin(nir=nir.value, client=client, now=now, checked=trusted is None)
    try:
        return _sign_in_counted(
            account, nir=nir, secret=secret, client=client, device=device, trusted=trusted, attempt=attempt, now=now
        )
    finally:
        attempt.end()


def _sign_in_counted(
    account: SignInAccount | None,
    *,
    nir: Nir,
    secret: str,
    client: Client,
    device: str,
    trusted: int | None,
    attempt: ClientAttempt,
    now: datetime,
) -> SignedIn:
    # R-CODE2, R-PW9: a client that failed waits for this NIR whatever it types, the provisional code included;
    # counted before the secret is read (R-LIM3), for every NIR alike (R-LIM4). Other clients are not slowed.
    attempt_count(nir=nir.value, client=client, now=now, event="sign_in", device=trusted)
    if account is None:
        _latest_code_read_alike()
    else:
        typed = secret_classify(account=account, typed=secret, now=now)
        if typed.kind is SecretKind.PROVISIONAL_CODE and typed.code is not None:
            return _restricted(
                account, nir=nir, code=typed.code, client=client, device=trusted, attempt=attempt, now=now
            )
    # A personal code, or a NIR without account: counted and answered alike, so neither tells (R-LIM4).
    stored = account.password_hash if account is not None else ""
    right = personal_code_check(
        nir=nir.value,
        stored=stored,
        typed=secret,
        client=client,
        now=now,
        event="sign_in",
        device=trusted,
        attempt=attempt,
    )
    if not right:
        raise SignInRejected()
    assert account is not None  # a right code needs an account
    return _full(account, client=client, device=device, trusted=trusted, now=now)


def _full(account: SignInAccount, *, client: Client, device: str, trusted: int | None, now: datetime) -> SignedIn:
    """The right personal code: a full session, and a device credential (R-LIM8)."""
    audit.record(event="sign_in_success", now=now, account_id=account.pk, client=client)
    return SignedIn(
        account.pk,
        restricted_until=None,
        session_epoch=account.session_epoch,
        state=account.state,
        # A device already trusted keeps its credential (given back); any other is given one.
        device=devices.device_issue(account=account, channel=client.channel, now=now) if trusted is None else device,
    )


def _restricted(
    account: SignInAccount,
    *,
    nir: Nir,
    code: CodeFound,
    client: Client,
    device: int | None,
    attempt: ClientAttempt,
    now: datetime,
) -> SignedIn:
    """The right provisional code (R-CODE4): a success, so this client's run of failures starts again."""
    grant = provisional_code_consume(account=account, nir=nir.value, code=code, client=client, now=now)
    attempt_succeeded(nir=nir.value, client=client, device=device, attempt=attempt)
    return SignedIn(account.pk, restricted_until=grant.until, session_epoch=account.session_epoch, state=account.state)
