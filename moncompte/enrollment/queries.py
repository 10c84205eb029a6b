"""Hand-written SQL of the journey (valid on SQLite and PostgreSQL), on its hottest reads (issue 22).

The figures that justify each one: 0.4–0.6 ms of Python per ORM query against ~0.07 ms for the same SQL on a
cursor (the profile of the performance issue), and the share of each read in the profile of the web processes
taken with py-spy --gil during `bench.journey_bench --redis` (named at each query). Use cases call this module;
nothing above the domain sees it.
"""

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from django.db import connection

from moncompte.accounts.models import Account
from moncompte.core.queries import columns_of, datetime_read, model_read
from moncompte.registry.models import Beneficiary


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
_CODE_GIVE_BACK = """
    UPDATE "enrollment_provisionalcode" SET used_at = NULL
    WHERE id = %s AND used_at = %s AND voided_at IS NULL AND EXISTS (
        SELECT 1 FROM "accounts_account" a
        WHERE a.id = "enrollment_provisionalcode".account_id AND a.session_epoch = %s
    )
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


def provisional_code_unuse(*, code_id: int, used_at: datetime, session_epoch: int) -> bool:
    """Makes the code usable again if it is still used at `used_at` (by that use, not a later one) and its account
    is still at `session_epoch`: a personal code chosen since (which voids the codes left, but not one used, R-CODE2)
    ends the give-back too. Whether it did."""
    with connection.cursor() as cursor:
        cursor.execute(_CODE_GIVE_BACK, [code_id, connection.ops.adapt_datetimefield_value(used_at), session_epoch])
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


# Issue 22: the identity step reads the person with their account, and the personal code and contact steps read the
# account with its person: through the ORM (select_related), 2.0 %, 1.8 % and 2.3 % of the web processes' Python
# time (py-spy --gil, 3,073 samples, during bench/versus_allauth.py's moncompte side with --redis), most of it in
# building and compiling the query. The same join on a cursor; the use cases pass the rows on as models.
@cache
def _person_sql() -> str:
    return (
        f"SELECT {columns_of(Beneficiary, 'b')}, {columns_of(Account, 'a')} "  # noqa: S608 - the models' columns
        'FROM "registry_beneficiary" b LEFT JOIN "accounts_account" a ON a.beneficiary_id = b.id '
        "WHERE b.nir = %s AND b.birth_date = %s AND b.postal_code = %s"
    )


@cache
def _account_sql(locked: bool) -> str:
    sql = (
        f"SELECT {columns_of(Account, 'a')}, {columns_of(Beneficiary, 'b')} "  # noqa: S608 - the models' columns
        'FROM "accounts_account" a JOIN "registry_beneficiary" b ON b.id = a.beneficiary_id WHERE a.id = %s'
    )
    # As the ORM's select_for_update() with select_related(): both rows locked; SQLite locks the whole database.
    return sql + " FOR UPDATE" if locked and connection.features.has_select_for_update else sql


def _linked(account: Account, person: Beneficiary) -> Account:
    """`account.beneficiary` and `person.account` without another read, as select_related leaves them."""
    field = Account._meta.get_field("beneficiary")
    field.set_cached_value(account, person)
    field.remote_field.set_cached_value(person, account)
    return account


def person_with_account_of(*, nir: str, birth_date: date, postal_code: str) -> Beneficiary | None:
    """The registry's person with this NIR, birth date and postal code, with their account (`person.account`
    raises Account.DoesNotExist when they have none), or None when nobody matches all three (R-ID1)."""
    with connection.cursor() as cursor:
        cursor.execute(_person_sql(), [nir, connection.ops.adapt_datefield_value(birth_date), postal_code])
        row = cursor.fetchone()
    if row is None:
        return None
    width = len(Beneficiary._meta.concrete_fields)
    person = model_read(Beneficiary, row[:width])
    if row[width] is None:
        Account._meta.get_field("beneficiary").remote_field.set_cached_value(person, None)
        return person
    _linked(model_read(Account, row[width:]), person)
    return person


def account_with_person(*, account_id: int, locked: bool = False) -> Account:
    """The account `account_id` with its person (`account.beneficiary`); `locked`, both rows locked until the
    transaction ends. Raises Account.DoesNotExist, as the ORM's get()."""
    with connection.cursor() as cursor:
        cursor.execute(_account_sql(locked), [account_id])
        row = cursor.fetchone()
    if row is None:
        raise Account.DoesNotExist(f"no account {account_id}")
    width = len(Account._meta.concrete_fields)
    return _linked(model_read(Account, row[:width]), model_read(Beneficiary, row[width:]))
