"""Values and helpers the tests share (fixtures live in conftest.py, which tests never import)."""

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.contrib.auth.hashers import PBKDF2PasswordHasher

from moncompte.captcha.challenges import challenge_answer, challenge_create
from moncompte.captcha.guard import CaptchaProof
from moncompte.core.client import Client
from moncompte.enrollment.provisional_codes import CodeSent
from moncompte.registry import nir as nir_rules

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# The Redis database the tests may empty: CI runs the SQLite and PostgreSQL passes side by side, each with its own.
TEST_REDIS_URL = os.environ.get("MONCOMPTE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@dataclass
class SentCode:
    nir: nir_rules.Nir
    clear: str
    sent: CodeSent
    at: datetime


def clear_code_of(text: str) -> str:
    """The provisional code is on a line of its own in the plain-text email (R-CODE3)."""
    lines = [line.strip() for line in text.splitlines()]
    return next(line for line in lines if len(line) == 10 and line.isalnum() and " " not in line)


BINDING = "browser-session-of-the-test"


def solved_captcha(now: datetime, *, answer: str | None = None, binding: str = BINDING) -> CaptchaProof:
    """A fresh challenge answered as a person would (or with `answer`), without a proof of work."""
    challenge = challenge_create(binding=binding, client=Client("203.0.113.7", "pytest"), now=now)
    typed = challenge_answer(challenge_id=challenge.id) if answer is None else answer
    return CaptchaProof(challenge_id=challenge.id, answer=typed, binding=binding)


@dataclass
class ShownChallenge:
    """A challenge as a page showed it, with the answer a person would read."""

    id: str
    answer: str


def shown_challenge(challenge_id: str) -> ShownChallenge:
    return ShownChallenge(id=challenge_id, answer=challenge_answer(challenge_id=challenge_id))


def totp_token(device: Any) -> str:
    """The code an authenticator app shows now for this TOTP device (django-otp), as staff would type it."""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def signed_in_with_second_factor(client: Any, user: Any) -> Any:
    """`client` signed in to /support/ as `user`, second factor included (R-SUP1)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def code_sent_at(beneficiary: Any, client: Client, now: datetime) -> SentCode:
    """The identity step passed at `now`, its provisional code read from its email (the `code_sent` fixture)."""
    from moncompte.enrollment.code_send import code_send
    from moncompte.outbox.models import OutboundEmail

    nir = nir_rules.parse(beneficiary.nir)
    sent = code_send(
        nir=nir,
        birth_date=beneficiary.birth_date,
        postal_code=beneficiary.postal_code,
        email="camille@example.fr",
        captcha=solved_captcha(now),
        client=client,
        now=now,
    )
    return SentCode(nir=nir, clear=clear_code_of(OutboundEmail.objects.latest("id").body_text), sent=sent, at=now)


class QuickPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """Staff passwords in tests: the production algorithm (pbkdf2_sha256) at 1,000 iterations instead of
    1,500,000, half a second less per password set or checked. A hash records its iterations, so a
    `moncompte serve` started by a test (production hashers) still checks these passwords."""

    iterations = 1_000
