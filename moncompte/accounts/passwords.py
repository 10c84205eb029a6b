"""R-PW8: personal codes stored with Argon2id (m=19 MiB, t=2, p=1), verified in constant time.

Each process counts the CPU its Argon2id work takes (`moncompte serve` logs it when a worker exits):
Argon2id is the deliberate, dominant cost of signing in, and servers are sized from it (bench/journey_bench).
"""

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MEMORY_KIB = 19 * 1024
TIME_COST = 2
PARALLELISM = 1

logger = logging.getLogger("moncompte.passwords")
cpu_spent = {"operations": 0, "seconds": 0.0}


@contextmanager
def _counted() -> Iterator[None]:
    start = time.thread_time()
    try:
        yield
    finally:
        cpu_spent["operations"] += 1
        cpu_spent["seconds"] += time.thread_time() - start


def cpu_report() -> None:
    logger.info("argon2id: %d operations, %.6f s CPU", cpu_spent["operations"], cpu_spent["seconds"])


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher(time_cost=TIME_COST, memory_cost=MEMORY_KIB, parallelism=PARALLELISM)


def hash_password(password: str) -> str:
    with _counted():
        return _hasher().hash(password)


def verify(stored: str, typed: str) -> bool:
    if not stored:
        # Same cost whether or not the account has a code, so timing tells nothing.
        _spend(typed)
        return False
    try:
        with _counted():
            return _hasher().verify(stored, typed)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy() -> str:
    return _hasher().hash("moncompte-dummy-code")


def _spend(typed: str) -> None:
    with _counted(), suppress(VerificationError):
        _hasher().verify(_dummy(), typed)
