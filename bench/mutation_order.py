"""pytest plugin for the mutants' runs of bench/mutation.py: each mutant's tests run quickest first.

mutmut hands pytest a mutant's tests in no set order, with -x: a mutant that the quickest of its tests kills
could first wait for the slow ones (the outbox's slow relays and leases of seconds: tens of seconds each).
Sorted by the durations mutmut recorded in its first run, the killing test comes as early as it can, and a
surviving mutant still runs every test. pytest-django then sorts by database kind (a stable sort: the quickest
first within each kind)."""

from collections.abc import Generator

import pytest


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> Generator[None]:
    from mutmut.state import state  # only where mutmut runs the tests

    durations = state().duration_by_test
    if durations:
        items.sort(key=lambda item: durations.get(item.nodeid, 0.0))
    return (yield)
