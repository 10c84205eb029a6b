from typing import Any

from django.core.management.base import BaseCommand

from moncompte.core import clock
from moncompte.enrollment.email_links import pending_emails_forget


class Command(BaseCommand):
    help = (
        "Oublie les adresses non confirmées au terme du délai après le dernier lien (21 jours par défaut) ; "
        "le worker le fait aussi."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        forgotten = pending_emails_forget(now=clock.now())
        self.stdout.write(f"{forgotten} adresse(s) non confirmée(s) oubliée(s).")
