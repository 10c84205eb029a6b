"""Hand-written SQL of the app's sessions (valid on SQLite and PostgreSQL), on the journey's hot paths (issue 22).
Use cases call this module; nothing above the domain sees it."""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from moncompte.core.queries import datetime_read


@dataclass(frozen=True)
class LiveSession:
    """A session of the app that still works, as « Mes appareils » lists it."""

    id: int
    device_name: str
    created_at: datetime
    last_used_at: datetime


# Issue 22: the account page (the journey's last) lists the app's live sessions; through the ORM, with its epoch
# and usable-token subqueries, it was 1.5 % of the web processes' Python time under SQLCompiler.execute_sql alone
# (py-spy --gil during `bench.journey_bench --redis`; 2.9 % in all), 0.4–0.6 ms of Python per ORM query against
# ~0.07 ms for the same SQL on a cursor. The same statement on a cursor (ties in the last use: the newer first).
_LIVE = """
    SELECT s.id, s.device_name, s.created_at, s.last_used_at
    FROM "appsessions_appsession" s
    JOIN "accounts_account" a ON a.id = s.account_id
    WHERE s.account_id = %s AND s.revoked_at IS NULL AND s.session_epoch = a.session_epoch
      AND EXISTS (
        SELECT 1 FROM "appsessions_apptoken" t WHERE t.session_id = s.id AND t.expires_at > %s AND t.used_at IS NULL
      )
    ORDER BY s.last_used_at DESC, s.id DESC
"""


def live_sessions_of(*, account_id: int, now: datetime) -> list[LiveSession]:
    """The account's sessions not signed out or revoked, of its current session epoch (R-LIM5), with a token
    still usable at `now`, the last used first."""
    with connection.cursor() as cursor:
        cursor.execute(_LIVE, [account_id, connection.ops.adapt_datetimefield_value(now)])
        rows = cursor.fetchall()
    return [
        LiveSession(
            id=int(row[0]), device_name=row[1], created_at=datetime_read(row[2]), last_used_at=datetime_read(row[3])
        )
        for row in rows
    ]
