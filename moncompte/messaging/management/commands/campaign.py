"""R-MSG10: `moncompte campaign FILE.csv --subject … --body-file …`: one message to every NIR of the file,
with a progress bar, resumable after a kill (the same command again), and a report of the NIRs refused."""

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from moncompte.core import clock
from moncompte.core.client import Client
from moncompte.core.errors import DomainError
from moncompte.messaging.bulk import IdempotencyKeyReused
from moncompte.messaging.campaign import CampaignRun, campaign_post, report_write
from moncompte.messaging.models import MessageKind
from moncompte.messaging.post import LetterText

RESUMED_OTHERWISE = (
    "Cette campagne a déjà commencé avec une autre taille de lot : relancez-la avec la même valeur de --batch "
    "(rien n'a été déposé deux fois)."
)

# Issue 23: a file saved in another encoding (Windows-1252, Latin-1: Excel's « CSV (séparateur : point-virgule) »)
# is said in a sentence, not a traceback.
NOT_UTF8 = (
    "{path} n'est pas encodé en UTF-8 (octet {at} illisible) : enregistrez-le au format « CSV UTF-8 » "
    "(rien n'a été déposé)."
)


def _utf8_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as unread:
        raise CommandError(NOT_UTF8.format(path=path, at=unread.start)) from unread


def _bar(run: CampaignRun) -> None:
    width, share = 30, run.done / run.total if run.total else 1
    filled = int(width * share)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {run.done}/{run.total} ({share:.0%})")
    sys.stderr.flush()


class Command(BaseCommand):
    help = "Dépose un message dans la messagerie de chaque NIR d'un fichier CSV (reprend là où il s'était arrêté)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file",
            type=Path,
            help="CSV UTF-8, séparé par des virgules : le NIR en première colonne (en-tête « nir » facultatif)",
        )
        parser.add_argument("--subject", required=True)
        parser.add_argument("--body-file", required=True, type=Path)
        parser.add_argument("--service", default="Assurance Maladie", help="le service expéditeur affiché")
        parser.add_argument("--promotional", action="store_true", help="information promotionnelle (R-MSG6)")
        parser.add_argument(
            "--batch",
            type=int,
            default=5000,  # a million in a minute (bench/campaign.py); at most INTERNAL_API_MAX_RECIPIENTS
            help="NIR par lot (même valeur pour reprendre)",
        )
        parser.add_argument("--report", type=Path, help="rapport des refus (défaut : FICHIER.refus.csv)")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file() or not options["body_file"].is_file():
            raise CommandError("Fichier introuvable.")
        kind = MessageKind.PROMOTIONAL if options["promotional"] else MessageKind.NORMAL
        letter = LetterText(options["subject"], _utf8_text(options["body_file"]), options["service"], kind)
        client = Client(address="", user_agent="moncompte campaign", channel="campaign")
        try:
            run = campaign_post(
                path=path,
                letter=letter,
                batch_size=max(1, options["batch"]),
                client=client,
                now=clock.now,
                progress=_bar,
            )
        except UnicodeDecodeError as unread:  # met by the first reading, before anything is posted
            raise CommandError(NOT_UTF8.format(path=path, at=unread.start)) from unread
        except IdempotencyKeyReused as refused:  # R-MSG10: the batches already posted were cut otherwise
            raise CommandError(RESUMED_OTHERWISE) from refused
        except DomainError as refused:
            raise CommandError(refused.message) from refused
        report = options["report"] or path.with_suffix(".refus.csv")
        report_write(run, report)
        sys.stderr.write("\n")
        posted = run.counts.get("posted", 0)
        self.stdout.write(f"Campagne {run.key} : {posted} message(s) déposé(s), {len(run.refused)} refus ({report}).")
        if run.batches_replayed:
            self.stdout.write(f"Reprise : {run.batches_replayed} lot(s) déjà déposé(s) n'ont pas été redéposés.")
