"""The invisible proof of work (R-CAP6), with ALTCHA (the open protocol and its `altcha` library).

The page carries a work challenge signed by the server, handed out with the CAPTCHA challenge it goes with;
the browser finds the number whose SHA-256 with the salt gives the challenge, and sends it with the form.
The salt, which the signature covers, names that CAPTCHA challenge, the client it was made for, its expiry
and its difficulty, so a proof answers for one challenge only, from one client, once.

Difficulty (how many numbers to try) doubles with each recent wrong answer of the client, grows with those of
its network (its /24 or /48: a script moving to the next address keeps paying) and is multiplied for everyone
in attack mode (R-BOT1). A person's browser spends well under a second; a script pays more the more it and
its neighbours fail. Without JavaScript there is no proof: the form still works, under a stricter limit.
"""

import base64
import hmac
import json
from datetime import UTC, datetime
from typing import Any, cast

from altcha import v1 as altcha
from django.conf import settings

from moncompte.captcha import limits
from moncompte.captcha.errors import WorkOutdated, WorkRefused
from moncompte.captcha.spent import token_spend
from moncompte.core import tokens
from moncompte.core.client import Client
from moncompte.core.conf import conf
from moncompte.defence.mode import attack_mode_active

# A payload is about 450 characters; a longer one is not ours, and is refused before being decoded.
PAYLOAD_MAX_LENGTH = 2000
_MAX_DOUBLINGS = 40  # past it every difficulty is at its ceiling anyway


def _key() -> str:
    return f"moncompte:captcha-work:{settings.SECRET_KEY}"


def _own_difficulty(*, client: Client, now: datetime, own: int | None = None) -> int:
    """The base doubled by each recent wrong answer of the client itself."""
    config = conf()
    own = limits.recent_failures(client=client, now=now) if own is None else own
    return int(min(config.captcha_work_base * 2 ** min(own, _MAX_DOUBLINGS), config.captcha_work_max))


def work_difficulty(*, client: Client, now: datetime) -> int:
    """The numbers a new work challenge for `client` may need to try: the client's own failures double it;
    each CAPTCHA_WORK_NETWORK_FAILURES failures of its neighbours (the network's, less the client's own) add
    the client's difficulty once more; attack mode multiplies it by CAPTCHA_WORK_ATTACK_FACTOR. At most
    CAPTCHA_WORK_MAX, or CAPTCHA_WORK_ATTACK_MAX in attack mode."""
    config = conf()
    own, network = limits.recent_failures_here_and_around(client=client, now=now)
    neighbours = max(0, network - own)
    difficulty = _own_difficulty(client=client, now=now, own=own) * (
        1 + neighbours / config.captcha_work_network_failures
    )
    if attack_mode_active(now=now):
        return int(min(difficulty * config.captcha_work_attack_factor, config.captcha_work_attack_max))
    return int(min(difficulty, config.captcha_work_max))


def _tag(purpose: str, value: str) -> str:
    return tokens.digest(purpose=purpose, value=value)[:16]


def work_challenge(*, challenge_id: str, client: Client, now: datetime) -> str:
    """The work challenge that goes with the CAPTCHA challenge `challenge_id`, as the JSON its script reads."""
    difficulty = work_difficulty(client=client, now=now)
    options = altcha.ChallengeOptions(
        max_number=difficulty,
        hmac_key=_key(),
        expires=now + conf().captcha_lifetime,
        params={
            "difficulty": str(difficulty),
            "client": _tag("captcha_work_client", client.address),
            "challenge": _tag("captcha_work_challenge", challenge_id),
        },
    )
    return json.dumps(altcha.create_challenge(options).to_dict())


FIELDS = {"algorithm": str, "challenge": str, "salt": str, "signature": str, "number": int}


def _decoded(payload: str) -> dict[str, Any] | None:
    """The solution's fields, each of the expected type; None for anything else."""
    if len(payload) > PAYLOAD_MAX_LENGTH:
        return None
    try:
        solution = json.loads(base64.b64decode(payload, validate=True))
    except ValueError:  # not base64, not UTF-8, not JSON
        return None
    if not isinstance(solution, dict) or set(solution) != set(FIELDS):
        return None
    if not all(type(solution[name]) is kind for name, kind in FIELDS.items()):  # bool is not a number here
        return None
    return solution


def _signed_params(solution: dict[str, Any]) -> dict[str, str] | None:
    """The parameters the server wrote into the salt, once the signature and the number are checked; None
    for a forged, altered or wrong proof. Each parameter must appear exactly once."""
    payload = cast(altcha.PayloadType, solution)
    try:
        ok, _ = altcha.verify_solution(payload, _key(), check_expires=False)  # expiry: by the service clock
        params = altcha.extract_params(payload)
    except (TypeError, ValueError, AttributeError, OverflowError):
        return None
    if not ok or any(len(values) != 1 for values in params.values()):
        return None
    return {name: values[0] for name, values in params.items()}


def _number(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and len(text) < 20 else None


def _same(value: str, expected: str) -> bool:
    return hmac.compare_digest(value.encode(), expected.encode())


def work_accept(
    *, payload: str, challenge_id: str, client: Client, now: datetime, own_failures: int | None = None
) -> None:
    """Checks a proof: signed by us, right, not expired, made for this CAPTCHA challenge and this client,
    never used before. Raises WorkRefused; WorkOutdated (not a failure) when the client's own wrong answers
    since call for more work than the proof was made with. `own_failures`: those answers, when the caller has
    just read them (else read here)."""
    solution = _decoded(payload)
    params = _signed_params(solution) if solution is not None else None
    if solution is None or params is None:
        raise WorkRefused()
    expires, difficulty = _number(params.get("expires", "")), _number(params.get("difficulty", ""))
    if expires is None or difficulty is None or expires <= now.timestamp():
        raise WorkRefused()
    if not _same(params.get("challenge", ""), _tag("captcha_work_challenge", challenge_id)):
        raise WorkRefused()
    if not _same(params.get("client", ""), _tag("captcha_work_client", client.address)):
        raise WorkRefused()
    # Spent by its signature, which is the work challenge's own: re-encoding the payload does not make it new.
    if not token_spend(kind="work", token=solution["signature"], expires_at=datetime.fromtimestamp(expires, UTC)):
        raise WorkRefused()
    # Only the client's own failures since count here: a pre-solved easy proof is no use to a script that
    # failed meanwhile, while a person's proof is not voided by what neighbours did after the page was shown.
    if difficulty < _own_difficulty(client=client, now=now, own=own_failures):
        raise WorkOutdated()
