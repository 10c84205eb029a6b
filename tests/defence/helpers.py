"""Helpers of the R-BOT1 tests (tests/conftest.py's empty_cache forgets this process's copies of attack mode
and of the baselines before and after each test)."""

from datetime import datetime

from moncompte.defence.models import VelocityBucket
from moncompte.defence.velocity import SLOT, SLOTS_PER_HOUR, hour_of, slot_of


def buckets_put(*, signal: str, scope: str, key: str, counts: dict[datetime, int]) -> None:
    """Past ten minutes of one signal, as if the service had counted them: each count in the bucket of its
    moment."""
    VelocityBucket.objects.bulk_create(
        VelocityBucket(signal=signal, scope=scope, key=key, start=slot_of(at), count=count)
        for at, count in counts.items()
    )


def hours_put(*, signal: str, scope: str, key: str, counts: dict[datetime, int]) -> None:
    """Past hours of one signal, each count spread evenly over the hour's ten minutes (the first ones take the
    remainder, as the migration from hourly buckets did)."""
    VelocityBucket.objects.bulk_create(
        VelocityBucket(signal=signal, scope=scope, key=key, start=hour_of(at) + SLOT * n, count=share)
        for at, count in counts.items()
        for n, share in enumerate(spread(count))
    )


def spread(count: int) -> list[int]:
    """An hour's count over its ten minutes."""
    return [count // SLOTS_PER_HOUR + (1 if n < count % SLOTS_PER_HOUR else 0) for n in range(SLOTS_PER_HOUR)]
