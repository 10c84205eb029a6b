"""What the enrollment journey tells a person when something goes wrong (French, in one place)."""

from datetime import timedelta
from typing import TYPE_CHECKING

from moncompte.core.errors import DomainError, wait_phrase

if TYPE_CHECKING:
    from moncompte.accounts.password_policy import Refusal


class IdentityNotMatched(DomainError):
    code = "identity_not_matched"
    message = "Les informations saisies ne permettent pas de vous identifier."


class AccountAlreadyExists(DomainError):
    code = "account_exists"
    message = (
        "Vous avez déjà un compte. Connectez-vous avec votre numéro de sécurité sociale et votre code "
        "personnel, ou utilisez « Code oublié ? » si vous ne vous en souvenez plus."
    )


class CodeRejected(DomainError):
    code = "code_rejected"

    def __init__(self, *, attempts_left: int | None = None) -> None:
        self.attempts_left = attempts_left
        if attempts_left is None:
            message = "Le numéro de sécurité sociale ou le code saisi est incorrect."
        else:
            plural = "s" if attempts_left > 1 else ""
            message = (
                f"Le code saisi est incorrect. Il vous reste {attempts_left} essai{plural} avant que ce code "
                "ne soit annulé."
            )
        super().__init__(message)


class CodeExhausted(DomainError):
    code = "code_exhausted"
    message = (
        "Ce code provisoire a été saisi 5 fois de façon erronée : il est annulé. Demandez un nouveau code provisoire."
    )


class CodeExpired(DomainError):
    code = "code_expired"
    message = "Votre code provisoire a expiré : il n'est valable que 30 minutes. Demandez un nouveau code provisoire."


class CodeAlreadyUsed(DomainError):
    code = "code_used"
    message = "Ce code provisoire a déjà servi. Demandez un nouveau code provisoire si besoin."


class RestrictedSessionExpired(DomainError):
    code = "restricted_session_expired"
    message = "Votre session a expiré : le code provisoire n'est valable que 30 minutes."


class LinkResendLimited(DomainError):
    code = "link_resend_limited"

    def __init__(self, *, retry_after: timedelta, daily: bool) -> None:
        self.retry_after = retry_after
        wait = wait_phrase(retry_after)
        if daily:
            message = (
                "Vous avez déjà demandé plusieurs liens aujourd'hui. Pour éviter les envois en trop, "
                f"vous pourrez en demander un nouveau dans {wait}. Pensez à vérifier vos courriels indésirables."
            )
        else:
            message = f"Un lien vient de vous être envoyé. Vous pourrez en demander un nouveau dans {wait}."
        super().__init__(message)


class LinkResendImpossible(DomainError):
    code = "link_resend_impossible"
    message = (
        "Ce lien ne permet plus de demander un nouvel envoi. Connectez-vous avec votre numéro de sécurité "
        "sociale et votre code personnel pour saisir une adresse email."
    )


class PasswordRefused(DomainError):
    code = "password_refused"
    message = "Ce code personnel ne respecte pas les règles."

    def __init__(self, refusals: "list[Refusal]") -> None:
        self.refusals = refusals
        super().__init__()


class SignInRejected(DomainError):
    code = "sign_in_rejected"
    message = "Le numéro de sécurité sociale ou le code saisi est incorrect."


class SignInBlocked(DomainError):
    code = "sign_in_blocked"

    def __init__(self, retry_after: timedelta) -> None:
        self.retry_after = retry_after
        super().__init__(
            f"Trop d'essais infructueux : pour protéger votre compte, la connexion est suspendue pendant "
            f"{wait_phrase(retry_after)}. Vous pouvez aussi utiliser « Code oublié ? » pour recevoir un code "
            "provisoire."
        )


class EmailUnchanged(DomainError):
    code = "email_unchanged"
    message = "C'est déjà l'adresse email de votre compte."


class WrongCurrentPassword(DomainError):
    code = "wrong_current_password"
    message = "Votre code personnel actuel est incorrect."
