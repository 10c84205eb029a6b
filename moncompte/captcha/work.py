"""The invisible proof of work (R-CAP5), with ALTCHA (the open protocol and its `altcha` library).

The page carries a challenge signed by the server; the browser finds the number whose SHA-256 with the
salt gives the challenge, and sends it with the form. Difficulty (how many numbers to try) doubles with each
recent wrong answer of the client, so a person's browser spends well under a second and a script pays more
the more it fails. Without JavaScript there is no proof: the form still works, under a stricter limit.
"""

import base64
import json
from datetime import datetime
from typing import cast

from altcha import v1 as altcha
from django.conf import settings

from moncompte.captcha import limits
from moncompte.captcha.errors import WorkRefused
from moncompte.captcha.spent import token_spend
from moncompte.core.client import Client


def _key() -> str:
    return f"moncompte:captcha-work:{settings.SECRET_KEY}"


def work_difficulty(*, client: Client, now: datetime) -> int:
    config = settings.MONCOMPTE
    failures = limits.recent_failures(client=client, now=now)
    return int(min(config["CAPTCHA_WORK_BASE"] * 2**failures, config["CAPTCHA_WORK_MAX"]))


def work_challenge(*, client: Client, now: datetime) -> str:
    """The challenge for a page, as the JSON its script reads."""
    options = altcha.ChallengeOptions(
        max_number=work_difficulty(client=client, now=now),
        hmac_key=_key(),
        expires=now + settings.MONCOMPTE["CAPTCHA_LIFETIME"],
    )
    challenge = altcha.create_challenge(options)
    return json.dumps(challenge.to_dict())


def work_accept(*, payload: str, now: datetime) -> None:
    """Checks a solution: signed by us, not expired, right, never used before. Raises WorkRefused."""
    try:
        solution = json.loads(base64.b64decode(payload, validate=True)) if len(payload) < 2000 else None
    except ValueError:
        solution = None
    if not isinstance(solution, dict) or not isinstance(solution.get("signature"), str):
        raise WorkRefused()
    ok, _ = altcha.verify_solution(cast(altcha.PayloadType, solution), _key(), check_expires=True)
    # Spent by its signature, which is the challenge's own: re-encoding the payload does not make it new.
    lifetime = settings.MONCOMPTE["CAPTCHA_LIFETIME"]
    if not ok or not token_spend(kind="work", token=solution["signature"], expires_at=now + lifetime):
        raise WorkRefused()
