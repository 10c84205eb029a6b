"""R-LIM8: device credentials (OWASP, "Slow Down Online Guessing Attacks with Device Cookies"). A sign-in with
the personal code gives the browser a signed cookie and the app a device token; « Code oublié ? » presented
with one of its account gets a code past the caps that anybody else can use up, under the device's own cap.

A credential is "<id>.<secret>": the id finds the row, the secret is compared with its keyed digest in
constant time (the digest alone is stored, never the secret, and neither is ever logged). It is bound to its
account, checked against the account of the NIR asked for, and to the account's session epoch: a new personal
code ends every credential, as it ends sessions (R-LIM5)."""

import secrets
from datetime import datetime

from django.db.models import F, Q

from moncompte.accounts.queries import AccountKeys
from moncompte.core import tokens
from moncompte.core.conf import conf
from moncompte.core.queries import row_insert
from moncompte.enrollment.models import DeviceCredential
from moncompte.enrollment.queries import device_digest_of

PURPOSE = "device_credential"
MAX_LENGTH = 200  # longer is no credential of ours: refused before anything is read


def _seeded(seed: str) -> str:
    """The secret of the credential given after `seed` (a spent token of the app): derived from it with the
    service's key, unguessable without both, so a retry of that request gets the same credential again while
    only digests are stored (R-API2)."""
    return tokens.digest(purpose=f"{PURPOSE}:after", value=seed)


def device_issue(*, account: AccountKeys, channel: str, now: datetime, seed: str = "") -> str:
    """A new credential for `account` in its current session epoch; the clear value goes only to its holder.
    With `seed`, its secret is derived from it (device_again finds it back); else random."""
    secret = _seeded(seed) if seed else secrets.token_urlsafe(32)
    row = DeviceCredential(
        account_id=account.pk,
        digest=tokens.digest(purpose=PURPOSE, value=secret),
        session_epoch=account.session_epoch,
        channel=channel,
        created_at=now,
        expires_at=now + conf().device_lifetime,
    )
    # Issue 22: two per journey (the personal code chosen, the sign-in with it); through the ORM's save(), 0.2 % of
    # the web processes' Python time under SQLCompiler.execute_sql alone (py-spy --gil, `bench.journey_bench`).
    row_insert(row)
    return f"{row.pk}.{secret}"


def device_again(*, account_id: int, seed: str, now: datetime) -> str | None:
    """The credential device_issue gave with `seed`, for the retry of the request that got it (R-API2): None
    once it has expired or its session epoch has ended (R-LIM5)."""
    secret = _seeded(seed)
    found = DeviceCredential.objects.filter(
        account_id=account_id,
        digest=tokens.digest(purpose=PURPOSE, value=secret),
        session_epoch=F("account__session_epoch"),
        expires_at__gt=now,
    )
    row_id = found.values_list("pk", flat=True).first()
    return f"{row_id}.{secret}" if row_id is not None else None


def device_of(*, credential: str, account: AccountKeys | None, now: datetime) -> int | None:
    """The id of the device `credential` names if it is live and belongs to `account` (else None). A NIR
    without account costs the same read, so a credential presented tells nothing of who has one (R-LIM4)."""
    row_id, _, secret = credential.partition(".")
    # An id of at most 18 ASCII digits: a bigint, never a number the database refuses.
    if not secret or len(credential) > MAX_LENGTH or not (row_id.isascii() and row_id.isdigit() and len(row_id) <= 18):
        return None
    stored = device_digest_of(
        device_id=int(row_id),
        account_id=account.pk if account else 0,  # no account has id 0
        session_epoch=account.session_epoch if account else -1,
        now=now,
    )
    # Compared even when nothing was found, so that both take the same time.
    right = tokens.matches(purpose=PURPOSE, stored_digest=stored or "", typed=secret)
    return int(row_id) if stored is not None and right else None


def devices_purge(*, now: datetime) -> int:
    """Periodic job: expired credentials, and those of an ended epoch, are deleted."""
    ended = DeviceCredential.objects.filter(Q(expires_at__lte=now) | ~Q(session_epoch=F("account__session_epoch")))
    deleted, _ = ended.delete()
    return deleted
