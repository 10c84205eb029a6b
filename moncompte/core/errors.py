"""Errors the domain raises. Each has a stable `code`, a French message for the person, the input it is
about (`field`, None for the whole request) and what a page or the app should offer next (`offer`)."""

from collections.abc import Sequence
from datetime import timedelta
from enum import StrEnum

from moncompte.core.duration_phrases import wait_phrase


class Offer(StrEnum):
    """The way out a page shows next to an error."""

    NEW_PROVISIONAL_CODE = "new_provisional_code"  # "Code oublié ?" or start the first visit again
    SIGN_IN = "sign_in"  # the person already has an account
    # Issue 23: a suspended sign-in. Starting the first visit again would not help (the wait holds for the
    # provisional code too, R-PW9) and is wrong for someone who has an account: only "Code oublié ?".
    CODE_FORGOT = "code_forgot"


class DomainError(Exception):
    code: str = "error"
    message: str = "Une erreur est survenue. Veuillez réessayer."
    # Input names shared by the web forms and the API: nir, birth_date, email, captcha_answer, code,
    # password, confirmation, current_password, channel.
    field: str | None = None
    offer: Offer | None = None

    def __init__(self, message: str | None = None, *, field: str | None = None) -> None:
        if message is not None:
            self.message = message
        if field is not None:
            self.field = field
        super().__init__(self.message)


class TooManyAttempts(DomainError):
    code = "too_many_attempts"

    def __init__(self, retry_after: timedelta, *, field: str | None = None, advice: str = "") -> None:
        """`advice`: what the person can do meanwhile, said after the wait (issue 23: a refusal says what next)."""
        self.retry_after = retry_after
        super().__init__(
            f"Trop de tentatives. Pour votre sécurité, veuillez patienter {wait_phrase(retry_after)} "
            "avant de réessayer." + (f" {advice}" if advice else ""),
            field=field,
        )


class InputsRefused(DomainError):
    """Several inputs refused at once (a form shows them all): the first speaks for the whole (its code, field
    and message, as the API's problem gives them) and `errors` lists each, in the order of the fields."""

    code = "inputs_refused"

    def __init__(self, errors: Sequence[DomainError]) -> None:
        self.errors = list(errors)
        first = self.errors[0]
        self.code, self.offer = first.code, first.offer
        super().__init__(first.message, field=first.field)
