"""Every rule the code, the tests or the documents cite is a rule of docs/rules.md: a test named after a rule is
found by its ID there (issue 21: a seventh rule of the R-LIM series was cited by the code and the tests, and
defined nowhere)."""

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.without_database
ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "docs" / "rules.md"
DEFINED = re.compile(r"^\s*- \*\*(R-[A-Z0-9]*[A-Z]\d+)\*\*", re.MULTILINE)
# R-PW3 in a text, _R_PW3 or _r_bot1 in a test's name: letters (digits inside, as in A11Y), then a number.
CITED = re.compile(r"(?<![A-Za-z0-9])R[-_]([A-Z](?:[A-Z0-9]*[A-Z])?)[-_]?(\d+)(?![A-Za-z0-9])", re.IGNORECASE)
SUFFIXES = {".py", ".md", ".html", ".txt", ".js", ".css", ".yml", ".yaml", ".toml", ".sh", ".mmd", ".conf"}


def cited_in() -> list[Path]:
    folders = ["moncompte", "tests", "bench", "docs", "deploy", "scripts"]
    found = [path for folder in folders for path in (ROOT / folder).rglob("*") if path.suffix in SUFFIXES]
    return [*found, ROOT / "README.md"]


def test_every_rule_cited_is_defined_in_the_rules():
    defined = set(DEFINED.findall(RULES.read_text()))
    undefined = {
        f"{path.relative_to(ROOT)}: R-{cited[1].upper()}{cited[2]}"
        for path in cited_in()
        for cited in CITED.finditer(path.read_text(errors="replace"))
        if f"R-{cited[1].upper()}{cited[2]}" not in defined
    }
    assert len(defined) > 80  # the rules were read
    assert undefined == set()


def test_a_rule_is_defined_once():
    defined = DEFINED.findall(RULES.read_text())
    assert sorted(rule for rule in set(defined) if defined.count(rule) > 1) == []
