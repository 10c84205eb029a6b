"""Writing to the security log (R-SEC3)."""

import functools
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import connection

from moncompte.audit.models import AuditEvent
from moncompte.audit.queries import audit_event_insert
from moncompte.core import metrics, tokens
from moncompte.core.client import Client

MANY_PER_STATEMENT = 1000
FORBIDDEN_DETAIL_KEYS = {"code", "password", "token", "secret", "nir", "answer"}


def record(
    *,
    event: str,
    now: datetime,
    nir: str = "",
    account_id: int | None = None,
    client: Client | None = None,
    **details: Any,
) -> AuditEvent:
    leaked = FORBIDDEN_DETAIL_KEYS & details.keys()
    if leaked:
        raise ValueError(f"secrets never go to the audit log: {sorted(leaked)}")
    if client is not None and client.channel != "web":
        details = {**details, "channel": client.channel}
    metrics.after_commit(metrics.events.labels(event).inc)
    written = AuditEvent(
        at=now,
        event=event,
        nir_pseudonym=tokens.pseudonym(nir) if nir else "",
        account_id=account_id,
        client_address=client.address if client else "",
        user_agent=(client.user_agent if client else "")[:200],
        details=details,
    )
    audit_event_insert(written)
    return written


def record_many(
    *,
    event: str,
    now: datetime,
    client: Client | None,
    account_ids: Sequence[int],
    details: dict[str, Any],
    each: Mapping[str, Sequence[int] | Sequence[str]] | None = None,
) -> int:
    """One row of one event per account at once (a campaign's messages: R-MSG1): `details` shared by all, `each`
    one value per row (`{"message": [ids…]}`), checked as `record` checks one. On PostgreSQL a single INSERT …
    SELECT over arrays, the JSON built by the database; elsewhere a thousand rows per statement."""
    each = each or {}
    leaked = FORBIDDEN_DETAIL_KEYS & (details.keys() | each.keys())
    if leaked:
        raise ValueError(f"secrets never go to the audit log: {sorted(leaked)}")
    if not account_ids:
        return 0
    if client is not None and client.channel != "web":
        details = {**details, "channel": client.channel}
    address, agent = (client.address, client.user_agent[:200]) if client else ("", "")
    at = AuditEvent._meta.get_field("at").get_db_prep_value(now, connection)
    head = [at, event, "", address, agent]
    if connection.vendor == "postgresql":
        _insert_arrays(head, account_ids, details, each)
    else:
        _insert_rows(head, account_ids, details, each)
    metrics.after_commit(functools.partial(metrics.events.labels(event).inc, len(account_ids)))
    return len(account_ids)


TABLE, COLUMNS = AuditEvent._meta.db_table, "at, event, nir_pseudonym, client_address, user_agent, account_id, details"


def _insert_arrays(
    head: list[Any], account_ids: Sequence[int], details: dict[str, Any], each: Mapping[str, Sequence[Any]]
) -> None:
    keys = list(each)
    types = ["bigint" if isinstance(each[key][0], int) else "text" for key in keys]
    built = ", ".join(f"%s, t.c{index}" for index in range(len(keys)))
    columns = ", ".join(["account_id", *(f"c{index}" for index in range(len(keys)))])
    arrays = ", ".join(f"%s::{kind}[]" for kind in ["bigint", *types])
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} ({COLUMNS}) SELECT %s, %s, %s, %s, %s, t.account_id, "  # noqa: S608 - our names
            f"%s::jsonb || jsonb_build_object({built}) FROM unnest({arrays}) AS t({columns})",
            [*head, json.dumps(details), *keys, list(account_ids), *(list(each[key]) for key in keys)],
        )


def _insert_rows(
    head: list[Any], account_ids: Sequence[int], details: dict[str, Any], each: Mapping[str, Sequence[Any]]
) -> None:
    as_json = AuditEvent._meta.get_field("details").get_db_prep_value
    values = list[Any]()
    for index, account_id in enumerate(account_ids):
        own = {key: values_of[index] for key, values_of in each.items()}
        values += [*head, account_id, as_json({**details, **own}, connection)]
    per_row = f"({', '.join(['%s'] * 7)})"
    with connection.cursor() as cursor:
        for start in range(0, len(account_ids), MANY_PER_STATEMENT):
            count = min(MANY_PER_STATEMENT, len(account_ids) - start)
            cursor.execute(
                f"INSERT INTO {TABLE} ({COLUMNS}) VALUES {', '.join([per_row] * count)}",  # noqa: S608 - our names
                values[start * 7 : (start + count) * 7],
            )
