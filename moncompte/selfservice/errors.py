"""What signing in and the account page tell a person when something goes wrong (French, in one place)."""

from datetime import timedelta

from moncompte.core.duration_phrases import wait_phrase
from moncompte.core.errors import DomainError, Offer
from moncompte.core.service_terms import service_terms


class SignInRejected(DomainError):
    """R-LIM4: the same words whether or not the NIR has an account, a personal code, a provisional code: what to
    check applies to all of them (issue 23: a refusal says what to do next)."""

    code = "sign_in_rejected"
    field = "code"
    offer = Offer.CODE_FORGOT
    message = (
        "Le numéro de sécurité sociale ou le code saisi est incorrect. Vérifiez votre numéro (il figure sur votre "
        "carte Vitale) et votre code, en respectant les majuscules et les minuscules : votre code personnel, ou, "
        "pour une première connexion, le code provisoire reçu par email. Si vous ne retrouvez pas votre code, "
        "utilisez « Code oublié ? » pour recevoir un nouveau code provisoire."
    )


class SignInBlocked(DomainError):
    """R-PW9: the same words whether or not the NIR has an account (R-LIM4). « Code oublié ? » is the way out for
    everyone (it sends a provisional code to the account's address, even before it is confirmed); starting the
    first visit again is not (issue 23: the wait holds for the provisional code too)."""

    code = "sign_in_blocked"
    field = "code"
    offer: Offer | None = Offer.CODE_FORGOT

    def __init__(self, retry_after: timedelta) -> None:
        self.retry_after = retry_after
        super().__init__(self.said(wait_phrase(retry_after)))

    def said(self, wait: str) -> str:
        return (
            f"Trop d'essais infructueux : pour protéger votre compte, la connexion est suspendue pendant {wait} "
            "depuis cette connexion internet. Si vous avez oublié votre code, utilisez « Code oublié ? » : le code "
            "provisoire reçu par email servira ici une fois ce délai passé, ou aussitôt depuis une autre connexion "
            "(le réseau mobile de votre téléphone, par exemple). Si rien ne fonctionne, contactez votre caisse "
            f"d'Assurance Maladie au {service_terms().caisse_phone}."
        )


class CurrentCodeBlocked(SignInBlocked):
    """R-LIM5: the current code asked again on the account page, blocked like a sign-in: the person is signed in,
    so the way out is to wait, or to sign out and use « Code oublié ? »."""

    field = "current_password"
    offer = None

    def said(self, wait: str) -> str:
        return (
            "Trop d'essais infructueux : pour protéger votre compte, votre code personnel ne peut pas être vérifié "
            f"pendant {wait}. Réessayez ensuite ; si vous l'avez oublié, déconnectez-vous puis utilisez « Code "
            "oublié ? » sur la page de connexion pour recevoir un code provisoire."
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
