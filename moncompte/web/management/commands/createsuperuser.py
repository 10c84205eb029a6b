"""Django's createsuperuser, with the password checks (settings.AUTH_PASSWORD_VALIDATORS) applied to the
non-interactive form too (DJANGO_SUPERUSER_PASSWORD), which Django lets through unchecked."""

from typing import Any

from django.conf import settings
from django.contrib.auth.management.commands import createsuperuser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError


class Command(createsuperuser.Command):
    def handle(self, *args: Any, **options: Any) -> None:
        password = settings.SUPERUSER_PASSWORD
        if not options.get("interactive", True) and password is not None:
            try:
                validate_password(password)
            except ValidationError as refused:
                raise CommandError("Mot de passe refusé : " + " ".join(refused.messages)) from refused
        super().handle(*args, **options)
