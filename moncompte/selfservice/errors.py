"""What signing in and the account page tell a person when something goes wrong (French, in one place)."""

from datetime import timedelta

from moncompte.core.duration_phrases import wait_phrase
from moncompte.core.errors import DomainError, Offer


class SignInRejected(DomainError):
    code = "sign_in_rejected"
    field = "code"
    message = "Le numéro de sécurité sociale ou le code saisi est incorrect."


class SignInBlocked(DomainError):
    code = "sign_in_blocked"
    field = "code"
    offer = Offer.NEW_PROVISIONAL_CODE

    def __init__(self, retry_after: timedelta) -> None:
        self.retry_after = retry_after
        super().__init__(
            f"Trop d'essais infructueux : pour protéger votre compte, la connexion est suspendue pendant "
            f"{wait_phrase(retry_after)}. Vous pouvez aussi utiliser « Code oublié ? » pour recevoir un code "
            "provisoire."
        )


class EmailUnchanged(DomainError):
    code = "email_unchanged"
    field = "email"
    message = "C'est déjà l'adresse email de votre compte."


class WrongCurrentPassword(DomainError):
    code = "wrong_current_password"
    field = "current_password"
    message = "Votre code personnel actuel est incorrect."


class ConsentNotOffered(DomainError):
    code = "consent_not_offered"
    field = "channel"
    message = "Ce choix n'est pas proposé pour votre compte."
