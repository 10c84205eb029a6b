"""Writing to the security log (R-SEC3)."""

from datetime import datetime
from typing import Any

from moncompte.audit.models import AuditEvent
from moncompte.core import metrics, tokens
from moncompte.core.client import Client

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
    return AuditEvent.objects.create(
        at=now,
        event=event,
        nir_pseudonym=tokens.pseudonym(nir) if nir else "",
        account_id=account_id,
        client_address=client.address if client else "",
        user_agent=(client.user_agent if client else "")[:200],
        details=details,
    )
