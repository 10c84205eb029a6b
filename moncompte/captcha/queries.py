"""Hand-written SQL of the CAPTCHA (valid on SQLite and PostgreSQL), where the ORM costs a round trip more."""

from datetime import datetime

from django.db import connection

# Issue 22: every identity POST spends a challenge (and a proof of work when one was asked). Through the ORM, the
# refusal of a second spending was an IntegrityError caught in a savepoint: SAVEPOINT, INSERT, RELEASE, three
# round trips (and ~0.5 ms of Python for the ORM's INSERT, against 0.07 ms for the same SQL on a cursor, the
# profile of the performance issue). ON CONFLICT DO NOTHING says the same in one statement that never fails:
# the unique key still settles two parallel spendings, whatever the process; the row count tells which won.
_SPEND = """
    INSERT INTO "captcha_spenttoken" (digest, expires_at) VALUES (%s, %s)
    ON CONFLICT (digest) DO NOTHING
"""


def spent_token_insert(*, digest: str, expires_at: datetime) -> bool:
    """True when this call wrote the row of `digest` (the token's first spending), False when it was there."""
    with connection.cursor() as cursor:
        cursor.execute(_SPEND, [digest, connection.ops.adapt_datetimefield_value(expires_at)])
        return bool(cursor.rowcount == 1)
