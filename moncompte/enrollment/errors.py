"""What the enrollment journey tells a person when something goes wrong (French, in one place).

Messages that state a duration or a count build it from the settings (core.service_terms), never from a literal.
"""

from datetime import timedelta
from typing import TYPE_CHECKING

from moncompte.core.duration_phrases import wait_phrase
from moncompte.core.errors import DomainError, InputsRefused, Offer, TooManyAttempts
from moncompte.core.service_terms import service_terms

if TYPE_CHECKING:
    from moncompte.accounts.password_policy import Refusal


def _identity_checks() -> str:
    """Issue 23: what a person whose identity was not recognised checks and where each input is written, then
    whom to call. The same words whatever field was wrong, and whether or not the NIR is known (R-ID1, R-LIM4)."""
    return (
        "vérifiez votre numéro de sécurité sociale (il figure sur votre carte Vitale et sur votre attestation de "
        "droits), votre date de naissance, et le code postal de l'adresse que connaît votre caisse d'Assurance "
        "Maladie (si vous avez déménagé sans le lui signaler, essayez celui de votre ancienne adresse). Si cela ne "
        f"suffit pas, contactez votre caisse au {service_terms().caisse_phone}."
    )


class IdentityNotMatched(DomainError):
    code = "identity_not_matched"

    def __init__(self) -> None:
        checks = _identity_checks()
        super().__init__(
            f"Les informations saisies ne permettent pas de vous identifier. {checks[0].upper()}{checks[1:]}"
        )


class IdentityTriesLimited(TooManyAttempts):
    """R-ID2: too many identities not recognised from this client (for this NIR, or any). Said before the registry
    is read, so it tells nothing of the identity (R-LIM4): the wait, then what to check meanwhile."""

    def __init__(self, retry_after: timedelta) -> None:
        super().__init__(retry_after, advice=f"En attendant, {_identity_checks()}")


class CodeSendsLimited(TooManyAttempts):
    """R-LIM8: the identity was recognised, but this NIR has been sent its share of codes (from this client, or to
    this address): the codes already sent work, each for its lifetime; the person looks for them first."""

    def __init__(self, retry_after: timedelta) -> None:
        terms = service_terms()
        super().__init__(
            retry_after,
            advice=(
                f"Des codes provisoires ont déjà été envoyés : chacun reste valable {terms.code_lifetime}. Cherchez "
                f"le courriel « Votre {terms.service_name} - Votre code provisoire » dans votre messagerie, y compris "
                "dans les courriels indésirables, puis connectez-vous avec votre numéro de sécurité sociale et ce "
                "code."
            ),
        )


class AccountAlreadyExists(DomainError):
    code = "account_exists"
    message = (
        "Vous avez déjà un compte. Connectez-vous avec votre numéro de sécurité sociale et votre code "
        "personnel, ou utilisez « Code oublié ? » si vous ne vous en souvenez plus. "
        # R-BOT2: what to do when it was not the person; it tells nothing of the account (R-LIM4).
        "Si vous n'avez pas créé ce compte vous-même, contactez votre caisse d'Assurance Maladie et présentez-vous "
        "à son accueil avec une pièce d'identité : après vérification, elle pourra vous permettre de le créer de "
        "nouveau."
    )
    offer = Offer.SIGN_IN


class CodeExpired(DomainError):
    code = "code_expired"
    field = "code"
    offer = Offer.NEW_PROVISIONAL_CODE

    def __init__(self) -> None:
        super().__init__(
            f"Votre code provisoire a expiré : il n'est valable que {service_terms().code_lifetime}. "
            "Demandez un nouveau code provisoire."
        )


class CodeAlreadyUsed(DomainError):
    code = "code_used"
    field = "code"
    offer = Offer.NEW_PROVISIONAL_CODE
    message = "Ce code provisoire a déjà servi. Demandez un nouveau code provisoire si besoin."


class RestrictedSessionExpired(DomainError):
    code = "restricted_session_expired"

    def __init__(self) -> None:
        super().__init__(
            f"Votre session a expiré : le code provisoire n'est valable que {service_terms().code_lifetime}."
        )


class LinkResendLimited(DomainError):
    code = "link_resend_limited"
    field = "email"

    def __init__(self, *, retry_after: timedelta, daily: bool) -> None:
        self.retry_after, self.daily = retry_after, daily
        wait = wait_phrase(retry_after)
        if daily:
            message = (
                "Vous avez déjà demandé plusieurs liens aujourd'hui. Pour éviter les envois en trop, "
                f"vous pourrez en demander un nouveau dans {wait}. Pensez à vérifier vos courriels indésirables."
            )
        else:
            message = (
                f"Aucun nouveau lien n'a été envoyé : le précédent est parti il y a moins d'une minute. Vous "
                f"pourrez en demander un autre dans {wait}."
            )
        super().__init__(message)


class LinkResendImpossible(DomainError):
    code = "link_resend_impossible"
    message = (
        "Ce lien ne permet plus de demander un nouvel envoi. Connectez-vous avec votre numéro de sécurité "
        "sociale et votre code personnel pour saisir une adresse email."
    )


# R-EM10: a confirmation link that confirms nothing, told to a channel that answers with errors (the app's API),
# in the words of the web's page for the same link. The token is the refused input.
class LinkExpired(DomainError):
    code = "link_expired"
    field = "token"

    def __init__(self) -> None:
        super().__init__(
            f"Ce lien n'est plus actif : le lien de confirmation est valable {service_terms().link_lifetime}. "
            "Vous pouvez vous le faire renvoyer, à la même adresse ou à une adresse différente."
        )


class LinkReplaced(DomainError):
    code = "link_replaced"
    field = "token"
    message = (
        "Ce lien a été remplacé : un email plus récent vous a été envoyé, et seul le lien le plus récent fonctionne. "
        "Cherchez le dernier courriel « Confirmation de votre adresse mail », ou demandez un nouveau lien."
    )


class LinkForgotten(DomainError):
    code = "link_forgotten"
    field = "token"

    def __init__(self) -> None:
        super().__init__(
            f"Ce lien n'est plus valable : une adresse email non confirmée dans les {service_terms().forget_after} "
            "n'est plus mémorisée. Connectez-vous avec votre numéro de sécurité sociale et votre code personnel : il "
            "vous sera demandé une adresse email valide, et un nouveau lien vous sera envoyé."
        )


class LinkUnknown(DomainError):
    code = "link_unknown"
    field = "token"
    message = (
        "Ce lien est incomplet ou erroné : il ne correspond pas à un lien que nous avons envoyé. Ouvrez le lien en "
        "entier depuis le courriel le plus récent « Confirmation de votre adresse mail »."
    )


class PasswordRuleRefused(DomainError):
    code = "password_refused"


class PasswordRefused(InputsRefused):
    """R-PW1..6: every rule the personal code breaks, each next to its field (R-PW6 next to the confirmation),
    on the page as in the app's problem (the first one speaks for all)."""

    code = "password_refused"

    def __init__(self, refusals: "list[Refusal]") -> None:
        self.refusals = refusals
        super().__init__(
            [
                PasswordRuleRefused(refusal.message, field="confirmation" if refusal.rule == "R-PW6" else "password")
                for refusal in refusals
            ]
        )


class PersonalCodeChangedMeanwhile(DomainError):
    """R-LIM5: the personal code was changed by another request (another tab, the app) between the check of the
    current code and this change, which is refused."""

    code = "personal_code_changed_meanwhile"
    field = "current_password"
    message = (
        "Votre code personnel vient d'être changé depuis un autre appareil ou une autre page : "
        "saisissez votre code personnel actuel."
    )
