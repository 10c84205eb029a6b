"""R-CAP5: the proof of work is checked on the server: right, signed, fresh, and used once."""

import base64
import json
from datetime import timedelta

import pytest
from altcha import v1 as altcha

from moncompte.captcha.challenges import challenge_answer, challenge_create
from moncompte.captcha.errors import CaptchaWrong, WorkRefused
from moncompte.captcha.guard import CaptchaProof, captcha_check
from moncompte.captcha.work import work_accept, work_challenge
from moncompte.core.client import Client

pytestmark = pytest.mark.django_db
CLIENT = Client("203.0.113.7", "pytest")


def solved(now, **changes) -> str:
    """What the page's script sends: the challenge's fields and the number found."""
    challenge = json.loads(work_challenge(client=CLIENT, now=now))
    solution = altcha.solve_challenge(
        challenge["challenge"], challenge["salt"], challenge["algorithm"], challenge["maxNumber"]
    )
    assert solution is not None
    payload = {k: challenge[k] for k in ("algorithm", "challenge", "salt", "signature")} | {"number": solution.number}
    return encode({**payload, **changes})


def encode(payload: dict[str, object]) -> str:
    return base64.b64encode(json.dumps(payload).encode()).decode()


def test_a_solved_proof_is_accepted_once(now, traveller):
    payload = solved(now)
    work_accept(payload=payload, client=CLIENT, now=now)
    with pytest.raises(WorkRefused):
        work_accept(payload=payload, client=CLIENT, now=now)


def test_a_replay_under_another_encoding_is_refused(now, traveller):
    payload = solved(now)
    work_accept(payload=payload, client=CLIENT, now=now)
    decoded = json.loads(base64.b64decode(payload))
    reordered = base64.b64encode(json.dumps(dict(reversed(decoded.items())), indent=1).encode()).decode()
    with pytest.raises(WorkRefused):
        work_accept(payload=reordered, client=CLIENT, now=now)


@pytest.mark.parametrize(
    "forgery",
    [{"number": -1}, {"signature": "0" * 64}, {"challenge": "f" * 64}, {"algorithm": "MD5"}],
)
def test_a_forged_proof_is_refused(now, traveller, forgery):
    with pytest.raises(WorkRefused):
        work_accept(payload=solved(now, **forgery), client=CLIENT, now=now)


@pytest.mark.parametrize("garbage", ["x", "e30=", "W10=", "bnVsbA==", "%%%", "A" * 5000, "eyJzaWduYXR1cmUiOiAxfQ=="])
def test_garbage_is_refused_without_a_server_error(now, garbage):
    with pytest.raises(WorkRefused):
        work_accept(payload=garbage, client=CLIENT, now=now)


def test_an_expired_proof_is_refused(now, traveller):
    payload = solved(now)
    traveller.shift(timedelta(minutes=6))
    with pytest.raises(WorkRefused):
        work_accept(payload=payload, client=CLIENT, now=now + timedelta(minutes=6))


def test_a_refused_proof_fails_the_captcha_and_counts_as_a_failure(now, traveller):
    challenge = challenge_create(binding="s", client=CLIENT, now=now)
    answer = challenge_answer(challenge_id=challenge.id)
    proof = CaptchaProof(challenge.id, answer, "s", solved(now, number=-1))
    with pytest.raises(WorkRefused):
        captcha_check(proof=proof, client=CLIENT, now=now)
    captcha_check(proof=CaptchaProof(challenge.id, answer, "s", solved(now)), client=CLIENT, now=now)


@pytest.mark.parametrize("wrong_type", [{"salt": 1}, {"salt": ["a"]}, {"number": "12"}, {"number": True}, {"extra": 1}])
def test_fields_of_the_wrong_type_are_refused_without_a_server_error(now, traveller, wrong_type):
    with pytest.raises(WorkRefused):
        work_accept(payload=solved(now, **wrong_type), client=CLIENT, now=now)


def test_a_proof_made_for_another_client_is_refused(now, traveller):
    with pytest.raises(WorkRefused):
        work_accept(payload=solved(now), client=Client("198.51.100.9", "elsewhere"), now=now)


def test_an_easy_proof_kept_from_before_failures_is_refused_R_CAP5(now, traveller):
    easy = solved(now)
    for n in range(2):  # two wrong answers: the client's proofs must now be four times harder
        challenge = challenge_create(binding=str(n), client=CLIENT, now=now)
        with pytest.raises(CaptchaWrong):
            captcha_check(proof=CaptchaProof(challenge.id, "ZZZZZZ", str(n)), client=CLIENT, now=now)
    with pytest.raises(WorkRefused):
        work_accept(payload=easy, client=CLIENT, now=now)
    work_accept(payload=solved(now), client=CLIENT, now=now)
