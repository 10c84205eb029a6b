"""Helpers of the R-BOT1 tests (tests/conftest.py's empty_cache forgets this process's copies of attack mode
and of the baselines before and after each test)."""

from datetime import datetime

from moncompte.defence.models import VelocityBucket
from moncompte.defence.velocity import hour_of


def buckets_put(*, signal: str, scope: str, key: str, counts: dict[datetime, int]) -> None:
    """Past hours of one signal, as if the service had counted them."""
    VelocityBucket.objects.bulk_create(
        VelocityBucket(signal=signal, scope=scope, key=key, hour=hour_of(at), count=count)
        for at, count in counts.items()
    )
