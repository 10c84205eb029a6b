"""R-PW8: personal codes stored with Argon2id (m=19 MiB, t=2, p=1), verified in constant time."""

from contextlib import suppress
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MEMORY_KIB = 19 * 1024
TIME_COST = 2
PARALLELISM = 1


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher(time_cost=TIME_COST, memory_cost=MEMORY_KIB, parallelism=PARALLELISM)


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify(stored: str, typed: str) -> bool:
    if not stored:
        # Same cost whether or not the account has a code, so timing tells nothing.
        _spend(typed)
        return False
    try:
        return _hasher().verify(stored, typed)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy() -> str:
    return _hasher().hash("moncompte-dummy-code")


def _spend(typed: str) -> None:
    with suppress(VerificationError):
        _hasher().verify(_dummy(), typed)
