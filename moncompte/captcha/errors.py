"""What the CAPTCHA tells a person (French, in one place). Durations come from the settings."""

from moncompte.core.errors import DomainError
from moncompte.core.service_terms import service_terms


class CaptchaError(DomainError):
    code = "captcha"
    field = "captcha_answer"


class CaptchaWrong(CaptchaError):
    code = "captcha_wrong"
    message = "Les caractères saisis ne correspondent ni à l'image ni au son. Un nouveau code vous est proposé."


class CaptchaExpired(CaptchaError):
    code = "captcha_expired"

    def __init__(self) -> None:
        super().__init__(
            f"Le code anti-robot a expiré (il est valable {service_terms().captcha_lifetime}) ou a déjà servi. "
            "Un nouveau code vous est proposé."
        )


class CaptchaMissing(CaptchaError):
    code = "captcha_missing"
    message = "Recopiez les caractères de l'image, ou écrivez en chiffres les nombres du son."


class WorkRefused(CaptchaError):
    code = "captcha_work_refused"
    message = (
        "La vérification automatique de votre navigateur n'a pas abouti. Un nouveau code vous est proposé : "
        "recopiez-le puis validez de nouveau."
    )


class WorkOutdated(CaptchaError):
    """The proof was made before the client's last wrong answers and is now too easy: not a failure itself."""

    code = "captcha_work_outdated"
    message = WorkRefused.message


class ChallengeGone(DomainError):
    """The image or the sound of a challenge that does not exist or has expired."""

    code = "captcha_not_found"
    field = "captcha_id"

    def __init__(self) -> None:
        super().__init__(
            f"Ce code anti-robot n'existe pas ou a expiré (il est valable {service_terms().captcha_lifetime}) : "
            "demandez-en un nouveau."
        )
