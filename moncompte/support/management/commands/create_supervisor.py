import getpass
import io
from typing import Any

import segno
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from moncompte.support.roles import Role, staff_create


class Command(BaseCommand):
    help = (
        "Crée un superviseur du support avec son second facteur (TOTP) et affiche l'adresse otpauth:// à "
        "enregistrer une fois dans une application d'authentification, et son code QR. Mot de passe demandé, "
        "ou lu dans MONCOMPTE_SUPERVISOR_PASSWORD avec --noinput."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--noinput", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["noinput"]:
            password = settings.SUPERVISOR_PASSWORD
        else:
            password = getpass.getpass("Mot de passe : ")
            if password != getpass.getpass("Mot de passe (encore) : "):
                raise CommandError("Les deux mots de passe diffèrent.")
        try:
            created = staff_create(username=options["username"], password=password, role=Role.SUPERVISOR)
        except ValidationError as refused:
            raise CommandError("Mot de passe refusé : " + " ".join(refused.messages)) from refused
        self.stdout.write(f"Superviseur « {created.user.username} » créé.")
        self.stdout.write(
            "Enregistrez ce second facteur dans une application d'authentification (il ne sera plus affiché) :"
        )
        self.stdout.write(created.authenticator_url)
        self.stdout.write("ou scannez ce code avec l'application :")
        self.stdout.write(authenticator_qr(created.authenticator_url), ending="")


def authenticator_qr(address: str) -> str:
    """The address as a QR code drawn with block characters, for a terminal (as the desk shows an agent's)."""
    drawn = io.StringIO()
    segno.make(address, error="m").terminal(out=drawn, compact=True)
    return drawn.getvalue()
