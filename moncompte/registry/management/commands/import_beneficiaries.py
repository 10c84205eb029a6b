from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from moncompte.registry.importer import beneficiaries_import


class Command(BaseCommand):
    help = "Importe le référentiel des assurés (CSV nir,last_name,first_name,birth_date,postal_code)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {path}")
        with path.open(encoding="utf-8-sig", newline="") as source:
            report = beneficiaries_import(source=source)
        if not report.ok:
            for line, reason in report.errors:
                self.stderr.write(f"ligne {line} : {reason}")
            raise CommandError(f"{len(report.errors)} ligne(s) en erreur : rien n'a été importé.")
        self.stdout.write(
            f"Import terminé : {report.created} créé(s), {report.updated} mis à jour, {report.unchanged} inchangé(s)."
        )
