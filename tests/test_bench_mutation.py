"""bench/mutation.py writes each folder's mutmut settings: the package's test selection, or the one given."""

import tomllib

import pytest

from bench.mutation import PACKAGES, settings_write

pytestmark = pytest.mark.without_database


def test_a_folder_runs_its_package_s_tests_unless_others_are_given(tmp_path):
    settings_write(tmp_path, "outbox")
    mutmut = tomllib.loads((tmp_path / "pyproject.toml").read_text())["tool"]["mutmut"]
    assert mutmut["pytest_add_cli_args_test_selection"] == PACKAGES["outbox"]
    assert mutmut["only_mutate"] == ["moncompte/outbox/*"]
    settings_write(tmp_path, "outbox", ["tests/outbox/test_wakeup.py", "tests/outbox/test_waiter.py"])
    mutmut = tomllib.loads((tmp_path / "pyproject.toml").read_text())["tool"]["mutmut"]
    assert mutmut["pytest_add_cli_args_test_selection"] == [
        "tests/outbox/test_wakeup.py",
        "tests/outbox/test_waiter.py",
    ]
