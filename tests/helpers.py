"""Values and helpers the tests share (fixtures live in conftest.py, which tests never import)."""

from dataclasses import dataclass
from datetime import UTC, datetime

from moncompte.enrollment.provisional_codes import CodeSent
from moncompte.registry import nir as nir_rules

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class SentCode:
    nir: nir_rules.Nir
    clear: str
    sent: CodeSent
    at: datetime


def clear_code_of(text: str) -> str:
    """The provisional code is on a line of its own in the plain-text email (R-CODE3)."""
    lines = [line.strip() for line in text.splitlines()]
    return next(line for line in lines if len(line) == 10 and line.isalnum() and " " not in line)
