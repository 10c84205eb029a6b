"""Hand-written SQL of accounts (valid on SQLite and PostgreSQL), on the journey's hottest paths (issue 22).

The figures that justify each one: the journey cost 154 ms of server CPU besides Argon2id against 81 ms for
django-allauth's sign-up (`bench/versus_allauth.py --redis`), 43 % of the Python time in building and compiling
ORM queries, 0.4–0.6 ms of Python per ORM query against 0.07 ms for the same SQL on a cursor; bench/README.md,
issue 22, gives the figures after. Nothing above the domain sees this module: selectors and use cases call it.
"""

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Protocol

from django.db import connection
from django.db.models import Field

from moncompte.accounts.models import Account
from moncompte.accounts.states import AccountState
from moncompte.core.queries import datetime_read
from moncompte.registry.models import Beneficiary

# A new personal code starts a new session epoch (R-LIM5), and the epoch is what the new session remembers:
# the UPDATE returns it, where the ORM needed a second SELECT (one round trip less on the personal code step).
# With `replacing`, only if the stored code is still that one (two changes at once: one wins, R-LIM5).
_HASH_STORE = """
    UPDATE "accounts_account" SET password_hash = %s, session_epoch = session_epoch + 1
    WHERE id = %s RETURNING session_epoch
"""
_HASH_REPLACE = """
    UPDATE "accounts_account" SET password_hash = %s, session_epoch = session_epoch + 1
    WHERE id = %s AND password_hash = %s RETURNING session_epoch
"""


def password_hash_set(*, account_id: int, digest: str, replacing: str | None) -> int | None:
    """Stores `digest` and ends the session epoch: the new epoch, or None when nothing matched."""
    with connection.cursor() as cursor:
        if replacing is None:
            cursor.execute(_HASH_STORE, [digest, account_id])
        else:
            cursor.execute(_HASH_REPLACE, [digest, account_id, replacing])
        row = cursor.fetchone()
    return int(row[0]) if row else None


# The identity step creates the account at the first visit. Two first visits at the same moment make one
# account: the ORM's INSERT needed a savepoint to survive the unique key's refusal (SAVEPOINT, INSERT, RELEASE
# on every first visit); ON CONFLICT DO NOTHING lets the key settle it in one statement. The columns are the
# model's own, read once, so a field added to Account needs nothing here.
@cache
def _account_insert() -> tuple[str, list[Field[object, object]]]:
    fields = [field for field in Account._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(connection.ops.quote_name(str(field.column)) for field in fields)
    # Table and column names from the model's own metadata, never from any input.
    values = ", ".join(["%s"] * len(fields))
    table = connection.ops.quote_name(Account._meta.db_table)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({values}) "  # noqa: S608
    sql += "ON CONFLICT (beneficiary_id) DO NOTHING RETURNING id"
    return sql, fields


def provisional_account_insert(*, beneficiary: Beneficiary, email: str, now: datetime) -> Account | None:
    """The new provisional account of `beneficiary`, or None when it has one already (made meanwhile)."""
    account = Account(beneficiary=beneficiary, created_at=now, state_changed_at=now, code_email=email)
    sql, fields = _account_insert()
    values = [field.get_db_prep_save(field.pre_save(account, add=True), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if row is None:
        return None
    account.pk = int(row[0])
    account._state.adding = False
    return account


@dataclass(frozen=True)
class LinkFound:
    """A confirmation link found by its digest, with what its page needs of its address and account."""

    id: int
    account_id: int
    account_state: AccountState
    canonical: str  # the address it was sent to, kept when the address is forgotten (R-EM7)
    sent_at: datetime
    latest: bool  # the account's latest link: only that one confirms (R-EM2)
    email_id: int | None  # None once its address is forgotten or erased
    email_address: str  # "" then
    email_confirmed: bool


# Issue 22: each link page (GET, then POST confirm) read the link, its address and its account through the ORM
# with a subquery for the latest link: link_status was 4.0 % of the web processes' Python time under the ORM's
# SQLCompiler.execute_sql alone (py-spy --gil during `bench.journey_bench --redis`, 6.4 % in all), 0.4–0.6 ms of
# Python per ORM query against ~0.07 ms for the same SQL on a cursor. The same statement, on a cursor.
_LINK = """
    SELECT l.id, l.account_id, a.state, l.canonical, l.sent_at,
           (SELECT latest.id FROM "accounts_emaillink" latest WHERE latest.account_id = l.account_id
            ORDER BY latest.sent_at DESC, latest.id DESC LIMIT 1),
           e.id, e.address, e.confirmed_at
    FROM "accounts_emaillink" l
    JOIN "accounts_account" a ON a.id = l.account_id
    LEFT JOIN "accounts_emailaddress" e ON e.id = l.email_id
    WHERE l.digest = %s
"""


def link_by_digest(*, digest: str) -> LinkFound | None:
    """The link stored with `digest` (unique), or None."""
    with connection.cursor() as cursor:
        cursor.execute(_LINK, [digest])
        row = cursor.fetchone()
    if row is None:
        return None
    link_id, account_id, state, canonical, sent_at, latest_id, email_id, address, confirmed_at = row
    return LinkFound(
        id=int(link_id),
        account_id=int(account_id),
        account_state=AccountState(state),
        canonical=canonical,
        sent_at=datetime_read(sent_at),
        latest=latest_id == link_id,
        email_id=None if email_id is None else int(email_id),
        email_address=address or "",
        email_confirmed=confirmed_at is not None,
    )


class AccountKeys(Protocol):
    """What signing in reads of an account and hands on (its codes, its devices, R-LIM5): the model, or the row
    `account_of_nir` read."""

    @property
    def pk(self) -> int: ...
    @property
    def session_epoch(self) -> int: ...
    @property
    def password_hash(self) -> str: ...


@dataclass(frozen=True)
class SignInAccount:
    """The account of a NIR, as signing in needs it: where it stands, its session epoch, its personal code."""

    pk: int
    state: AccountState
    session_epoch: int
    password_hash: str  # "" before a personal code is chosen


# Issue 22: both sign-ins of the journey read the account of the NIR typed; through the ORM, with its person
# joined, it was 2.8 % of the web processes' Python time under SQLCompiler.execute_sql alone (py-spy --gil during
# `bench.journey_bench --redis`), 0.4–0.6 ms of Python per ORM query against ~0.07 ms for the same SQL on a
# cursor. The same statement on a cursor (the NIR is unique, its person has one account at most).
_ACCOUNT_OF_NIR = """
    SELECT a.id, a.state, a.session_epoch, a.password_hash
    FROM "accounts_account" a JOIN "registry_beneficiary" b ON b.id = a.beneficiary_id
    WHERE b.nir = %s
"""


def account_of_nir(*, nir: str) -> SignInAccount | None:
    """The account of the person with `nir` (13 digits, as stored), or None when they have none."""
    with connection.cursor() as cursor:
        cursor.execute(_ACCOUNT_OF_NIR, [nir])
        row = cursor.fetchone()
    if row is None:
        return None
    return SignInAccount(pk=int(row[0]), state=AccountState(row[1]), session_epoch=int(row[2]), password_hash=row[3])


# Issue 22: five state changes per journey, each a conditional UPDATE through the ORM: account_advance was 0.7 % of
# the web processes' Python time under SQLCompiler.execute_sql alone (py-spy --gil during `bench.journey_bench
# --redis`), 0.4–0.6 ms of Python per ORM query against ~0.07 ms for the same SQL on a cursor. Called only by
# accounts.transitions.account_advance, the one function that writes the state (docs/architecture.md).
_STATE_MOVE = 'UPDATE "accounts_account" SET state = %s, state_changed_at = %s WHERE id = %s AND state = %s'
_STATE_KEEP = 'UPDATE "accounts_account" SET state = %s WHERE id = %s AND state = %s'


def account_state_move(*, account_id: int, seen: str, target: str, changed_at: datetime | None) -> bool:
    """Sets the state `target` if it is still `seen` (dated `changed_at` when given): whether it did."""
    with connection.cursor() as cursor:
        if changed_at is None:
            cursor.execute(_STATE_KEEP, [str(target), account_id, str(seen)])
        else:
            moment = connection.ops.adapt_datetimefield_value(changed_at)
            cursor.execute(_STATE_MOVE, [str(target), moment, account_id, str(seen)])
        return bool(cursor.rowcount == 1)


# Issue 22: opening a link counts the opening (R-SUP4), and the button confirms its address; through the ORM the
# opening's UPDATE was 0.2 % of the web processes' Python time under SQLCompiler.execute_sql alone, the
# confirmation's lock and writes 0.6 % (py-spy --gil during `bench.journey_bench --redis`), 0.4–0.6 ms of Python
# per ORM query against ~0.07 ms for the same SQL on a cursor.
_LINK_OPENED = """
    UPDATE "accounts_emaillink" SET opens = opens + 1, first_opened_at = COALESCE(first_opened_at, %s) WHERE id = %s
"""


def link_opened_count(*, link_id: int, now: datetime) -> None:
    """One more opening of the link; the first one dated `now`."""
    with connection.cursor() as cursor:
        cursor.execute(_LINK_OPENED, [connection.ops.adapt_datetimefield_value(now), link_id])


@dataclass(frozen=True)
class HeldAddress:
    id: int
    confirmed: bool


_ADDRESSES = 'SELECT id, confirmed_at IS NOT NULL FROM "accounts_emailaddress" WHERE account_id = %s ORDER BY id'


def addresses_locked_of(*, account_id: int) -> list[HeldAddress]:
    """The account's addresses (two at most: a pending one, a confirmed one), locked until the transaction ends
    where the database locks rows (PostgreSQL; SQLite writes one transaction at a time)."""
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(_ADDRESSES + lock, [account_id])
        return [HeldAddress(id=int(row[0]), confirmed=bool(row[1])) for row in cursor.fetchall()]


_ADDRESS_CONFIRM = """
    UPDATE "accounts_emailaddress" SET confirmed_at = %s, undeliverable_at = NULL, undeliverable_reason = ''
    WHERE id = %s
"""
_LINK_USE = 'UPDATE "accounts_emaillink" SET used_at = %s WHERE id = %s'


def address_confirm(*, email_id: int, link_id: int, now: datetime) -> None:
    """The address confirmed at `now` by the link `link_id`, which is dated used; whatever a server once
    reported about the address is cleared (R-DLV2)."""
    moment = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(_ADDRESS_CONFIRM, [moment, email_id])
        cursor.execute(_LINK_USE, [moment, link_id])


@dataclass(frozen=True)
class AddressRow:
    """An address row, as claiming an address weighs it (R-CT2, R-EM7)."""

    id: int
    account_id: int
    canonical: str
    confirmed: bool
    created_at: datetime


# Issue 22: claiming an address reads the row holding it and the account's own pending one; through the ORM,
# 0.2 % of the web processes' Python time under SQLCompiler.execute_sql alone (py-spy --gil during
# `bench.journey_bench --redis`), 0.4–0.6 ms of Python per ORM query against ~0.07 ms on a cursor.
_CLAIM_ROWS = """
    SELECT id, account_id, canonical, confirmed_at IS NOT NULL, created_at FROM "accounts_emailaddress"
    WHERE canonical = %s OR (account_id = %s AND confirmed_at IS NULL)
"""


def addresses_claim_rows(*, canonical: str, account_id: int) -> list[AddressRow]:
    """The row holding `canonical` (unique: one at most) and `account_id`'s pending address, in one read."""
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM_ROWS, [canonical, account_id])
        rows = cursor.fetchall()
    return [
        AddressRow(
            id=int(row[0]),
            account_id=int(row[1]),
            canonical=row[2],
            confirmed=bool(row[3]),
            created_at=datetime_read(row[4]),
        )
        for row in rows
    ]
