"""CAPTCHA challenges (R-CAP1..3): create, draw, verify once."""

import hmac
import secrets
from datetime import datetime

from django.conf import settings

from moncompte.captcha import audio, image
from moncompte.captcha.alphabet import ALPHABET
from moncompte.captcha.models import Challenge
from moncompte.core.errors import DomainError
from moncompte.core.terms import service_terms


class CaptchaError(DomainError):
    code = "captcha"
    field = "captcha_answer"


class CaptchaWrong(CaptchaError):
    code = "captcha_wrong"
    message = "Les caractères saisis ne correspondent pas à l'image. Un nouveau code vous est proposé."


class CaptchaExpired(CaptchaError):
    code = "captcha_expired"

    def __init__(self) -> None:
        super().__init__(
            f"Le code de l'image a expiré (il est valable {service_terms().captcha_lifetime}) ou a déjà servi. "
            "Un nouveau code vous est proposé."
        )


class CaptchaMissing(CaptchaError):
    code = "captcha_missing"
    message = "Recopiez les caractères de l'image (ou écoutez le code)."


def challenge_create(*, now: datetime) -> Challenge:
    length = settings.MONCOMPTE["CAPTCHA_LENGTH"]
    return Challenge.objects.create(
        id=secrets.token_urlsafe(16),
        answer="".join(secrets.choice(ALPHABET) for _ in range(length)),
        created_at=now,
        expires_at=now + settings.MONCOMPTE["CAPTCHA_LIFETIME"],
    )


def _live(challenge_id: str, now: datetime) -> Challenge | None:
    return Challenge.objects.filter(id=challenge_id, answered_at=None, expires_at__gt=now).first()


def challenge_png(*, challenge_id: str, now: datetime) -> bytes | None:
    challenge = _live(challenge_id, now)
    return image.render_png(challenge.answer) if challenge else None


def challenge_wav(*, challenge_id: str, now: datetime) -> bytes | None:
    challenge = _live(challenge_id, now)
    return audio.render_wav(challenge.answer) if challenge else None


def _normalise(answer: str) -> str:
    return "".join(answer.split()).upper()


def challenge_verify(*, challenge_id: str, answer: str, now: datetime) -> None:
    """Consumes the challenge whatever the outcome: one answer per challenge (R-CAP2)."""
    typed = _normalise(answer)
    if not typed:
        raise CaptchaMissing()
    challenge = Challenge.objects.filter(id=challenge_id).first()
    consumed = Challenge.objects.filter(id=challenge_id, answered_at=None).update(answered_at=now, answer="")
    if challenge is None or consumed != 1 or challenge.expires_at <= now:
        raise CaptchaExpired()
    test_answer = _normalise(settings.CAPTCHA_TEST_ANSWER)
    if test_answer and hmac.compare_digest(typed, test_answer):
        return
    if not hmac.compare_digest(typed, challenge.answer.upper()):
        raise CaptchaWrong()


def challenges_purge(*, now: datetime) -> int:
    deleted, _ = Challenge.objects.filter(expires_at__lt=now).delete()
    return deleted
