"""The CAPTCHA's settings (R-CAP*)."""

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, kw_only=True)
class CaptchaSettings:
    captcha_lifetime: timedelta = timedelta(minutes=5)
    # Characters of the picture, a count drawn per challenge and never told, on two rows (R-CAP5: a trained
    # reader gets about two characters in three right, so nine to eleven leave it about two pictures in a
    # hundred).
    captcha_length_min: int = 9
    captcha_length_max: int = 11
    captcha_new_per_client: int = 60  # new challenges an hour (pages shown, "Nouveau code")
    captcha_new_per_network: int = 600  # the same for a whole /24 or /48 (R-LIM2 sizing: docs/rules.md, R-CAP4)
    captcha_new_per_session: int = 30  # per browser session or API key
    captcha_media_per_client: int = 400  # pictures and sounds fetched an hour (a browser may fetch a sound in parts)
    captcha_media_per_network: int = 4000
    captcha_failures_per_client: int = 20  # wrong answers an hour
    captcha_failures_per_network: int = 200
    captcha_failures_per_session: int = 8
    captcha_without_work_per_client: int = 10  # answers an hour without the proof of work (JavaScript off)
    captcha_without_work_per_network: int = 100
    # R-CAP6: numbers the proof of work may need to try (half on average); doubles with each failure of the
    # client. Sized with bench/captcha_work.py: a phone's browser well under a second at the base.
    captcha_work_base: int = 200_000
    captcha_work_max: int = 3_200_000  # a phone: a few seconds
    captcha_work_network_failures: int = 10  # each such many failures of the neighbours (/24, /48) add the base once
    captcha_work_attack_factor: int = 8  # attack mode (R-BOT1) multiplies everyone's work by this
    captcha_work_attack_max: int = 6_400_000  # and raises the ceiling to this
    captcha_network_attack_divisor: int = 4  # attack mode (R-BOT1) divides every per-network CAPTCHA limit by this

    def _check_captcha(self) -> list[str]:
        problems = []
        if not 1 <= self.captcha_length_min <= self.captcha_length_max <= 20:  # the answer field takes 20 at most
            problems.append("CAPTCHA_LENGTH_MIN et CAPTCHA_LENGTH_MAX : de 1 à 20, le premier au plus le second")
        if not 1 <= self.captcha_work_base <= min(self.captcha_work_max, self.captcha_work_attack_max):
            problems.append("CAPTCHA_WORK_BASE : au moins 1, au plus CAPTCHA_WORK_MAX et CAPTCHA_WORK_ATTACK_MAX")
        return problems
