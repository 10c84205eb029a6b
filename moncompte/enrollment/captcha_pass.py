"""The CAPTCHA gate of the identity step and « Code oublié ? », with its refusals in the security log."""

from datetime import datetime

from moncompte.audit import log as audit
from moncompte.captcha.errors import CaptchaError
from moncompte.captcha.guard import CaptchaProof, captcha_check
from moncompte.core.client import Client
from moncompte.core.errors import TooManyAttempts
from moncompte.registry.nir import Nir


def captcha_pass(*, proof: CaptchaProof, nir: Nir, client: Client, now: datetime, step: str) -> None:
    try:
        captcha_check(proof=proof, client=client, now=now)
    except (CaptchaError, TooManyAttempts) as refused:
        audit.record(event="captcha_refused", now=now, nir=nir.value, client=client, step=step, reason=refused.code)
        raise
