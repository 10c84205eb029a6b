"""Errors the domain raises. Each has a stable `code` and a French message for the person."""

from datetime import timedelta


class DomainError(Exception):
    code: str = "error"
    message: str = "Une erreur est survenue. Veuillez réessayer."

    def __init__(self, message: str | None = None) -> None:
        if message is not None:
            self.message = message
        super().__init__(self.message)


def wait_phrase(delay: timedelta) -> str:
    """'3 minutes', '1 heure et 5 minutes': how long to wait, rounded up to the minute."""
    minutes = max(1, -(-int(delay.total_seconds()) // 60))
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} heure{'s' if hours > 1 else ''}")
    if minutes:
        parts.append(f"{minutes} minute{'s' if minutes > 1 else ''}")
    return " et ".join(parts)


class TooManyAttempts(DomainError):
    code = "too_many_attempts"

    def __init__(self, retry_after: timedelta) -> None:
        self.retry_after = retry_after
        super().__init__(
            f"Trop de tentatives. Pour votre sécurité, veuillez patienter {wait_phrase(retry_after)} "
            "avant de réessayer."
        )
