"""Safety nets on the shape of the code (issue 6): small files, short functions, thin views, and tests that
cannot lean on an order the database never promised."""

import ast
from pathlib import Path

import pytest

from moncompte.core.models import ThrottleEvent

SOURCE = Path(__file__).resolve().parent.parent / "moncompte"
MAX_FILE_LINES = 300
MAX_FUNCTION_LINES = 40
MAX_VIEW_BODY_LINES = 15


def python_files() -> list[Path]:
    return sorted(p for p in SOURCE.rglob("*.py") if "migrations" not in p.parts)


def functions(path: Path) -> list[ast.FunctionDef]:
    return [node for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.FunctionDef)]


def test_no_source_file_is_over_300_lines():
    long = {str(p.relative_to(SOURCE)): n for p in python_files() if (n := len(p.read_text().splitlines())) > 300}
    assert long == {}


def test_no_function_is_over_40_lines():
    long = [
        f"{path.relative_to(SOURCE)}:{f.name} ({length})"
        for path in python_files()
        for f in functions(path)
        if (length := (f.end_lineno or f.lineno) - f.lineno + 1) > MAX_FUNCTION_LINES
    ]
    assert long == []


def test_views_are_thin_adapters_of_at_most_15_lines():
    views = [p for p in (SOURCE / "web" / "views").glob("*.py")]
    assert views
    long = [
        f"{path.name}:{f.name} ({length})"
        for path in views
        for f in functions(path)
        if not f.name.startswith("_") and (length := (f.end_lineno or f.lineno) - f.body[0].lineno + 1) > 15
    ]
    assert long == []


@pytest.mark.django_db
def test_a_query_without_order_comes_back_in_a_random_order_in_tests(now):
    ThrottleEvent.objects.bulk_create(ThrottleEvent(scope="s", key=str(i), at=now) for i in range(30))
    orders = {tuple(ThrottleEvent.objects.values_list("key", flat=True)) for _ in range(5)}
    assert len(orders) > 1
    ordered = {tuple(ThrottleEvent.objects.order_by("id").values_list("key", flat=True)) for _ in range(5)}
    assert ordered == {tuple(str(i) for i in range(30))}


def test_tests_never_import_a_conftest_as_a_module():
    """Fixtures come from pytest; shared values and helpers from tests/helpers.py and tests/e2e/helpers.py."""
    tests = Path(__file__).resolve().parent
    importing = [
        str(path.relative_to(tests))
        for path in tests.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ImportFrom) and (node.module or "").endswith("conftest")
    ]
    assert importing == []


def test_the_readme_names_only_tests_that_exist():
    """The security table of the README points at tests: each must exist, or the table misleads."""
    import re

    root = SOURCE.parent
    readme = (root / "README.md").read_text()
    named = re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", readme)
    assert named
    missing = [f"{path}::{name}" for path, name in named if f"def {name}(" not in (root / path).read_text()]
    assert missing == []
