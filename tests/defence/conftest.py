from collections.abc import Iterator

import pytest

from moncompte.defence.mode import attack_mode_cache_clear


@pytest.fixture(autouse=True)
def fresh_attack_mode_copy() -> Iterator[None]:
    """Each test starts without this process's copy of the mode (it would outlive the test's database)."""
    attack_mode_cache_clear()
    yield
    attack_mode_cache_clear()
