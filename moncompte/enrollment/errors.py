"""What the enrollment journey tells a person when something goes wrong (French, in one place)."""

from moncompte.core.errors import DomainError


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
        "Ce code provisoire a été saisi 5 fois de façon erronée : il est annulé. "
        "Demandez un nouveau code provisoire."
    )


class CodeExpired(DomainError):
    code = "code_expired"
    message = (
        "Votre code provisoire a expiré : il n'est valable que 30 minutes. "
        "Demandez un nouveau code provisoire."
    )


class CodeAlreadyUsed(DomainError):
    code = "code_used"
    message = "Ce code provisoire a déjà servi. Demandez un nouveau code provisoire si besoin."


class RestrictedSessionExpired(DomainError):
    code = "restricted_session_expired"
    message = "Votre session a expiré : le code provisoire n'est valable que 30 minutes."
