"""What the identity step and « Code oublié ? » ask of a browser before doing anything (R-CAP1..5)."""

import hmac
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings

from moncompte.captcha import limits
from moncompte.captcha.alphabet import LOOK_ALIKES
from moncompte.captcha.challenges import ParsedChallenge, audio_answer_of, binding_tag, image_answer_of, live, parse
from moncompte.captcha.errors import CaptchaExpired, CaptchaMissing, CaptchaWrong, WorkRefused
from moncompte.captcha.spent import token_spend
from moncompte.captcha.work import work_accept
from moncompte.core.client import Client
from moncompte.core.conf import conf


@dataclass(frozen=True)
class CaptchaProof:
    """What the browser sent: the challenge it was shown, what the person typed, the browser session it
    comes from, and the proof of work ("" when JavaScript did not run)."""

    challenge_id: str
    answer: str
    binding: str
    work: str = ""


def _normalise(answer: str) -> str:
    return "".join(answer.split()).upper()


def _same(typed: str, expected: str) -> bool:
    """Constant-time, and any text compares (hmac.compare_digest refuses non-ASCII str)."""
    return hmac.compare_digest(typed.encode(), expected.encode())


def captcha_check(*, proof: CaptchaProof, client: Client, now: datetime) -> None:
    """Uses the challenge up whatever the outcome (one answer per challenge). Raises a CaptchaError, or
    TooManyAttempts once the client or the session has failed too often. A wrong answer, a refused proof
    of work and a forged challenge count as failures; a challenge that simply expired does not."""
    typed = _normalise(proof.answer)
    if not typed:
        raise CaptchaMissing()
    own_failures = limits.failures_check(client=client, binding=proof.binding, now=now)
    try:
        _work_check(proof, client=client, now=now, own_failures=own_failures)
        parsed = parse(proof.challenge_id)
        if parsed is None or not _same(parsed.binding_tag, binding_tag(proof.binding)):
            raise CaptchaWrong()
    except (WorkRefused, CaptchaWrong):
        limits.failure_hit(client=client, binding=proof.binding, now=now)
        raise
    expires_at = parsed.created_at + conf().captcha_lifetime
    if not live(parsed, now) or not token_spend(kind="challenge", token=parsed.nonce, expires_at=expires_at):
        raise CaptchaExpired()
    if not (any(_same(typed, answer) for answer in _accepted(parsed)) or _same(_drawn(typed), image_answer_of(parsed))):
        limits.failure_hit(client=client, binding=proof.binding, now=now)
        raise CaptchaWrong()


def _drawn(typed: str) -> str:
    """What the person typed, each look-alike of the alphabet as the character the picture draws (R-CAP3).
    Only for the picture: the sound's answer is digits, compared as typed."""
    return "".join(LOOK_ALIKES.get(char, char) for char in typed)


def _work_check(proof: CaptchaProof, *, client: Client, now: datetime, own_failures: int) -> None:
    """R-CAP6: a proof made for this very challenge and client; without one (no JavaScript), the stricter
    limit. WorkRefused counts as a failure; WorkOutdated (a proof too easy since the client's own failures)
    does not, and neither uses the challenge up."""
    if proof.work:
        work_accept(
            payload=proof.work, challenge_id=proof.challenge_id, client=client, now=now, own_failures=own_failures
        )
    else:
        limits.without_work_count(client=client, now=now)


def _accepted(parsed: ParsedChallenge) -> list[str]:
    """The picture's answer or the sound's (R-CAP5: they differ; a person answers the one they chose)."""
    answers = [image_answer_of(parsed), audio_answer_of(parsed)]
    test_answer = _normalise(settings.CAPTCHA_TEST_ANSWER)  # DEBUG or demo only (settings refuse it otherwise)
    return [*answers, test_answer] if test_answer else answers
