"""Hand-written SQL of the journey (valid on SQLite and PostgreSQL), on its hottest reads (issue 22).

The figures that justify each one: 0.4–0.6 ms of Python per ORM query against ~0.07 ms for the same SQL on a
cursor (the profile of the performance issue), and the share of each read in the profile of the web processes
taken with py-spy --gil during `bench.journey_bench --redis` (named at each query). Use cases call this module;
nothing above the domain sees it.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from moncompte.core.queries import datetime_read


@dataclass(frozen=True)
class CodeFound:
    """A provisional code of an account, found by its keyed digest (R-CODE1, R-CODE2)."""

    id: int
    digest: str
    expires_at: datetime
    used: bool
    voided: bool


# Issue 22: every sign-in with an account reads its code of the typed digest (both sign-ins of the journey);
# through the ORM it was 1.6 % of the web processes' Python time under SQLCompiler.execute_sql alone (2.2 % in
# all). The same statement on a cursor, by the same index (account, then the digest among its few codes).
_CODE = """
    SELECT id, digest, expires_at, used_at IS NOT NULL, voided_at IS NOT NULL
    FROM "enrollment_provisionalcode" WHERE account_id = %s AND digest = %s ORDER BY id DESC LIMIT 1
"""


def provisional_code_of(*, account_id: int, digest: str) -> CodeFound | None:
    """The account's latest code stored with `digest`, or None. `account_id` 0 (no account has it) costs the same
    read and finds nothing: a NIR without account reads as much as one with (R-LIM4)."""
    with connection.cursor() as cursor:
        cursor.execute(_CODE, [account_id, digest])
        row = cursor.fetchone()
    if row is None:
        return None
    code_id, stored, expires_at, used, voided = row
    return CodeFound(
        id=int(code_id), digest=stored, expires_at=datetime_read(expires_at), used=bool(used), voided=bool(voided)
    )


# Issue 22: the sign-in with the provisional code uses it up with a conditional UPDATE (single use, R-CODE2), and
# the personal code chosen voids the others: through the ORM, 0.6 % and 0.3 % of the web processes' Python time
# under SQLCompiler.execute_sql alone (py-spy --gil during `bench.journey_bench --redis`), 0.4–0.6 ms of Python
# per ORM query against ~0.07 ms for the same SQL on a cursor.
_CODE_USE = """
    UPDATE "enrollment_provisionalcode" SET used_at = %s WHERE id = %s AND used_at IS NULL AND voided_at IS NULL
"""
_CODES_VOID = """
    UPDATE "enrollment_provisionalcode" SET voided_at = %s
    WHERE account_id = %s AND used_at IS NULL AND voided_at IS NULL
"""


def provisional_code_use(*, code_id: int, now: datetime) -> bool:
    """Marks the code used at `now` if it was neither used nor voided: whether this call did (one use wins)."""
    with connection.cursor() as cursor:
        cursor.execute(_CODE_USE, [connection.ops.adapt_datetimefield_value(now), code_id])
        return bool(cursor.rowcount == 1)


def provisional_codes_void(*, account_id: int, now: datetime) -> int:
    """Voids the account's codes neither used nor voided yet (R-CODE2): how many."""
    with connection.cursor() as cursor:
        cursor.execute(_CODES_VOID, [connection.ops.adapt_datetimefield_value(now), account_id])
        return int(cursor.rowcount)


# Issue 22: a device credential presented at sign-in is looked up by its id, for its account and session epoch;
# through the ORM, 0.3 % of the web processes' Python time under SQLCompiler.execute_sql alone (py-spy --gil
# during `bench.journey_bench --redis`), 0.4–0.6 ms of Python per ORM query against ~0.07 ms on a cursor.
_DEVICE = """
    SELECT digest FROM "enrollment_devicecredential"
    WHERE id = %s AND account_id = %s AND session_epoch = %s AND expires_at > %s
"""


def device_digest_of(*, device_id: int, account_id: int, session_epoch: int, now: datetime) -> str | None:
    """The stored digest of the credential `device_id` if it is `account_id`'s, of `session_epoch` and live at
    `now` (R-LIM8, R-LIM5), else None."""
    with connection.cursor() as cursor:
        cursor.execute(_DEVICE, [device_id, account_id, session_epoch, connection.ops.adapt_datetimefield_value(now)])
        row = cursor.fetchone()
    return str(row[0]) if row else None
