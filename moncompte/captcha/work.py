"""The invisible proof of work (R-CAP5), with ALTCHA (the open protocol and its `altcha` library).

The page carries a challenge signed by the server; the browser finds the number whose SHA-256 with the
salt gives the challenge, and sends it with the form. Difficulty (how many numbers to try) doubles with each
recent wrong answer of the client, so a person's browser spends well under a second and a script pays more
the more it fails. Without JavaScript there is no proof: the form still works, under a stricter limit.
"""

import base64
import json
from datetime import datetime
from typing import Any, cast

from altcha import v1 as altcha
from django.conf import settings

from moncompte.captcha import limits
from moncompte.captcha.errors import WorkRefused
from moncompte.captcha.spent import token_spend
from moncompte.core import tokens
from moncompte.core.client import Client


def _key() -> str:
    return f"moncompte:captcha-work:{settings.SECRET_KEY}"


def work_difficulty(*, client: Client, now: datetime) -> int:
    config = settings.MONCOMPTE
    failures = limits.recent_failures(client=client, now=now)
    return int(min(config["CAPTCHA_WORK_BASE"] * 2**failures, config["CAPTCHA_WORK_MAX"]))


def _client_tag(client: Client) -> str:
    return tokens.digest(purpose="captcha_work_client", value=client.address)[:12]


def work_challenge(*, client: Client, now: datetime) -> str:
    """The challenge for a page, as the JSON its script reads. Its difficulty and the client it was made
    for are written into the salt, which the signature covers."""
    difficulty = work_difficulty(client=client, now=now)
    options = altcha.ChallengeOptions(
        max_number=difficulty,
        hmac_key=_key(),
        expires=now + settings.MONCOMPTE["CAPTCHA_LIFETIME"],
        params={"difficulty": str(difficulty), "client": _client_tag(client)},
    )
    return json.dumps(altcha.create_challenge(options).to_dict())


FIELDS = {"algorithm": str, "challenge": str, "salt": str, "signature": str, "number": int}


def _decoded(payload: str) -> dict[str, Any] | None:
    """The solution's fields, each of the expected type; None for anything else."""
    try:
        solution = json.loads(base64.b64decode(payload, validate=True)) if len(payload) < 2000 else None
    except ValueError:
        return None
    if not isinstance(solution, dict) or set(solution) != set(FIELDS):
        return None
    if not all(type(solution[name]) is kind for name, kind in FIELDS.items()):  # bool is not a number here
        return None
    return solution


def work_accept(*, payload: str, client: Client, now: datetime) -> None:
    """Checks a solution: signed by us, not expired, right, made for this client at no lower difficulty
    than its failures now call for, never used before. Raises WorkRefused."""
    solution = _decoded(payload)
    if solution is None:
        raise WorkRefused()
    try:
        ok, _ = altcha.verify_solution(cast(altcha.PayloadType, solution), _key(), check_expires=True)
        params = altcha.extract_params(cast(altcha.PayloadType, solution))
        difficulty = int(params.get("difficulty", ["0"])[0])
    except (TypeError, ValueError, AttributeError):
        raise WorkRefused() from None
    made_for = params.get("client", [""])[0]
    if not ok or made_for != _client_tag(client) or difficulty < work_difficulty(client=client, now=now):
        raise WorkRefused()
    # Spent by its signature, which is the challenge's own: re-encoding the payload does not make it new.
    if not token_spend(
        kind="work", token=solution["signature"], expires_at=now + settings.MONCOMPTE["CAPTCHA_LIFETIME"]
    ):
        raise WorkRefused()
