"""`moncompte check --database default`: the pre-flight of deploy/README.md. Django's own checks read the
settings; this one also opens the database of DATABASE_URL, as `/sante/pret/` would, and says in one line why
it does not answer (host unknown, nothing listening, password refused, no such database)."""

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.core.checks import CheckMessage, Error, Tags, register

from moncompte.web import health


@register(Tags.database)
def database_answers(
    *, app_configs: Sequence[AppConfig] | None, databases: Sequence[str] | None, **kwargs: Any
) -> list[CheckMessage]:
    """Run only when the command names a database (`--database default`), like Django's database checks."""
    if not databases:
        return []
    finding = health.database_finding()
    if finding == health.OK:
        return []
    said = finding.removeprefix("injoignable : ")
    return [Error(f"La base de données de DATABASE_URL ne répond pas : {said}", id="moncompte.E001")]
