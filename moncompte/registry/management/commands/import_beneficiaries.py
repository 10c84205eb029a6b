from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from moncompte.registry.importer import beneficiaries_import, decoded_lines


class Command(BaseCommand):
    help = "Importe le référentiel des assurés (CSV nir,last_name,first_name,birth_date,postal_code)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {path}")
        bad_lines: list[tuple[int, str]] = []
        with path.open("rb") as binary:  # streamed: the file is never held in memory
            report = beneficiaries_import(source=decoded_lines(binary, bad_lines), bad_lines=bad_lines)
        if not report.ok:
            for line, reason in sorted(report.errors):
                self.stderr.write(f"ligne {line} : {reason}")
            raise CommandError(f"{len(report.errors)} ligne(s) en erreur : rien n'a été importé.")
        if report.created + report.updated + report.unchanged == 0:
            raise CommandError("Aucune ligne après l'en-tête : rien n'a été importé.")
        self.stdout.write(
            f"Import terminé : {report.created} créé(s), {report.updated} mis à jour, {report.unchanged} inchangé(s)."
        )
