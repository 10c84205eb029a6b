from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from moncompte.accounts.funnel import Funnel, funnel_of
from moncompte.core import clock


def funnel_table(funnel: Funnel) -> list[str]:
    lines = [f"{'fournisseur':<12} {'liens':>7} {'remis':>7} {'refusés':>8} {'confirmés':>10} {'taux':>6}"]
    for row in funnel.providers:
        lines.append(
            f"{row.provider:<12} {row.links_sent:>7} {row.delivered:>7} {row.bounced:>8} {row.confirmed:>10} "
            f"{row.confirmation_rate:>6.0%}".replace("%", " %")
        )
    return lines + (funnel.alerts or ["Aucune alerte."])


class Command(BaseCommand):
    help = "Entonnoir du lien de confirmation par fournisseur de messagerie, sur 24 heures et sur 7 jours."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--hours", type=int, action="append", help="fenêtre(s) en heures (défaut : 24 et 168)")

    def handle(self, *args: Any, **options: Any) -> None:
        now = clock.now()
        for hours in options["hours"] or [24, 24 * 7]:
            self.stdout.write(f"— Sur {hours} heures —")
            for line in funnel_table(funnel_of(now=now, span=timedelta(hours=hours))):
                self.stdout.write(line)
