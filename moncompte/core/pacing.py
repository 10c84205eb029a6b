"""A fixed floor of time for answers whose duration would otherwise tell something (R-LIM4)."""

import time
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def at_least(seconds: float) -> Iterator[None]:
    """The block takes at least `seconds` of real time (monotonic: not the service clock, which tests move)."""
    started = time.monotonic()
    try:
        yield
    finally:
        remaining = seconds - (time.monotonic() - started)
        if remaining > 0:
            time.sleep(remaining)
