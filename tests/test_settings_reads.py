"""Settings are read in one way (R-SEC4): the environment only by moncompte/config/, the service's own
settings only through the typed object (conf().name), never by a string key."""

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "moncompte"


def sources() -> list[Path]:
    return sorted(path for path in PACKAGE.rglob("*.py") if "migrations" not in path.parts)


def environment_reads(path: Path) -> list[int]:
    """Lines that touch os.environ or os.getenv (read or write)."""
    names = ("environ", "getenv", "putenv")
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Attribute) and node.attr in names and getattr(node.value, "id", None) == "os":
            found.append(node.lineno)
        if isinstance(node, ast.ImportFrom) and node.module == "os" and {a.name for a in node.names} & set(names):
            found.append(node.lineno)
    return found


def test_only_the_configuration_reads_the_environment():
    outside = {
        f"{path.relative_to(PACKAGE)}:{line}"
        for path in sources()
        if PACKAGE / "config" not in path.parents
        for line in environment_reads(path)
    }
    assert outside == set()


def test_the_check_sees_a_read_of_the_environment(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import os\nfrom os import getenv\nx = os.environ.get('A')\n")
    assert sorted(environment_reads(sample)) == [2, 3]


def test_no_setting_is_read_by_a_string_key():
    by_key = re.compile(r"""MONCOMPTE\[|getattr\(\s*(settings\.MONCOMPTE|conf\(\))""")
    found = {str(path.relative_to(PACKAGE)) for path in sources() if by_key.search(path.read_text())}
    assert found == set()
