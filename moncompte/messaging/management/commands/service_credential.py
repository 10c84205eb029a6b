"""R-MSG8: `moncompte service_credential create SERVICE [--promotional]`, `revoke KEY_ID`, `list`: the
credentials of the services on the internal API (the token shown once, at creation)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from moncompte.core import clock
from moncompte.core.errors import DomainError
from moncompte.messaging.models import ServiceCredential
from moncompte.messaging.services import Scope, credential_create, credential_revoke


class Command(BaseCommand):
    help = "Accès des services de l'Assurance Maladie à l'API interne : create SERVICE, revoke CLÉ, list."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["create", "revoke", "list"])
        parser.add_argument("name", nargs="?", default="", help="le service (create) ou l'identifiant de clé (revoke)")
        parser.add_argument("--promotional", action="store_true", help="permet aussi les informations promotionnelles")

    def handle(self, *args: Any, **options: Any) -> None:
        now, name = clock.now(), options["name"]
        if options["action"] == "list":
            for row in ServiceCredential.objects.order_by("service", "created_at"):
                state = f"révoqué le {row.revoked_at:%d/%m/%Y}" if row.revoked_at else "actif"
                self.stdout.write(f"{row.service}\t{row.key_id}\t{row.scopes}\t{state}")
        elif options["action"] == "revoke":
            if not credential_revoke(key_id=name, now=now):
                raise CommandError(f"Aucun accès actif n'a l'identifiant « {name} ».")
            self.stdout.write(f"Accès {name} révoqué.")
        else:
            scopes = [Scope.POST, Scope.PROMOTIONAL] if options["promotional"] else [Scope.POST]
            try:
                issued = credential_create(service=name, scopes=scopes, now=now)
            except DomainError as refused:
                raise CommandError(refused.message) from refused
            self.stdout.write(f"Accès {issued.key_id} créé pour « {name} ». Jeton (il ne sera plus affiché) :")
            self.stdout.write(issued.token)
