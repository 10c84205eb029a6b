"""R-CAP6: the proof of work is checked on the server: signed, right, fresh, made for this very CAPTCHA
challenge and this client, and used once. Whatever else arrives is refused without a server error."""

import base64
import json
from datetime import timedelta

import pytest
from altcha import v1 as altcha

from moncompte.captcha.challenges import challenge_answer, challenge_create
from moncompte.captcha.errors import CaptchaWrong, WorkOutdated, WorkRefused
from moncompte.captcha.guard import CaptchaProof, captcha_check
from moncompte.captcha.work import work_accept, work_challenge, work_difficulty
from moncompte.core.client import Client

pytestmark = pytest.mark.django_db
CLIENT = Client("203.0.113.7", "pytest")
CHALLENGE = "the-captcha-challenge-id"


def solved(now, *, challenge_id=CHALLENGE, client=CLIENT, **changes) -> str:
    """What the page's script sends: the work challenge's fields and the number found."""
    challenge = json.loads(work_challenge(challenge_id=challenge_id, client=client, now=now))
    solution = altcha.solve_challenge(
        challenge["challenge"], challenge["salt"], challenge["algorithm"], challenge["maxNumber"]
    )
    assert solution is not None
    payload = {k: challenge[k] for k in ("algorithm", "challenge", "salt", "signature")} | {"number": solution.number}
    return encode({**payload, **changes})


def encode(payload: dict[str, object]) -> str:
    return base64.b64encode(json.dumps(payload).encode()).decode()


def accept(payload: str, now, *, challenge_id=CHALLENGE, client=CLIENT) -> None:
    work_accept(payload=payload, challenge_id=challenge_id, client=client, now=now)


def test_a_solved_proof_is_accepted_once_R_CAP6(now):
    payload = solved(now)
    accept(payload, now)
    with pytest.raises(WorkRefused):
        accept(payload, now)


def test_a_proof_is_refused_for_any_other_challenge_R_CAP6(now):
    with pytest.raises(WorkRefused):
        accept(solved(now, challenge_id="another-challenge"), now)
    accept(solved(now), now)  # the same work challenge's proof, for its own CAPTCHA challenge


def test_a_proof_made_for_another_client_is_refused_R_CAP6(now):
    with pytest.raises(WorkRefused):
        accept(solved(now), now, client=Client("198.51.100.9", "elsewhere"))
    with pytest.raises(WorkRefused):  # even a neighbour in the same /24
        accept(solved(now), now, client=Client("203.0.113.8", "pytest"))


def test_a_replay_under_another_encoding_is_refused_R_CAP6(now):
    payload = solved(now)
    accept(payload, now)
    decoded = json.loads(base64.b64decode(payload))
    reordered = base64.b64encode(json.dumps(dict(reversed(decoded.items())), indent=1).encode()).decode()
    with pytest.raises(WorkRefused):
        accept(reordered, now)


def _salt_changed(now, name: str, value: str) -> str:
    """A proof whose signed salt says something else (the signature no longer covers it)."""
    decoded = json.loads(base64.b64decode(solved(now)))
    nonce, _, query = decoded["salt"].partition("?")
    params = dict(part.split("=") for part in query.rstrip("&").split("&"))
    params[name] = value
    decoded["salt"] = nonce + "?" + "&".join(f"{k}={v}" for k, v in params.items()) + "&"
    return encode(decoded)


@pytest.mark.parametrize(
    ("name", "value"),
    [("challenge", "0" * 16), ("client", "0" * 16), ("difficulty", "1"), ("expires", "9999999999")],
)
def test_a_salt_altered_to_name_something_else_is_refused_R_CAP6(now, name, value):
    with pytest.raises(WorkRefused):
        accept(_salt_changed(now, name, value), now)


def test_a_salt_naming_its_challenge_twice_is_refused_R_CAP6(now):
    # Even signed (the attacker cannot sign), a parameter given twice is never read one way or the other.
    challenge = altcha.create_challenge(
        altcha.ChallengeOptions(max_number=10, hmac_key="not-our-key", salt="abc?challenge=x&challenge=y")
    )
    forged = {"algorithm": "SHA-256", "challenge": challenge.challenge, "salt": challenge.salt, "number": 1}
    with pytest.raises(WorkRefused):
        accept(encode({**forged, "signature": challenge.signature}), now)


@pytest.mark.parametrize(
    "forgery",
    [{"number": -1}, {"number": 10**30}, {"signature": "0" * 64}, {"challenge": "f" * 64}, {"algorithm": "MD5"}],
)
def test_a_forged_proof_is_refused_R_CAP6(now, forgery):
    with pytest.raises(WorkRefused):
        accept(solved(now, **forgery), now)


@pytest.mark.parametrize(
    "garbage",
    ["x", "", "e30=", "W10=", "bnVsbA==", "%%%", "A" * 5000, "eyJzaWduYXR1cmUiOiAxfQ==", "é", "\x00", "//8="],
)
def test_garbage_is_refused_without_a_server_error_R_CAP6(now, garbage):
    with pytest.raises(WorkRefused):
        accept(garbage, now)


def test_an_over_long_proof_is_refused_before_being_decoded_R_CAP6(now):
    with pytest.raises(WorkRefused):
        accept(encode({**json.loads(base64.b64decode(solved(now))), "salt": "a" * 3000}), now)


@pytest.mark.parametrize("wrong_type", [{"salt": 1}, {"salt": ["a"]}, {"number": "12"}, {"number": True}, {"extra": 1}])
def test_fields_of_the_wrong_type_are_refused_without_a_server_error(now, wrong_type):
    with pytest.raises(WorkRefused):
        accept(solved(now, **wrong_type), now)


def test_a_proof_expires_with_its_challenge_by_the_service_clock_R_CAP6(now):
    payload = solved(now)
    with pytest.raises(WorkRefused):
        accept(payload, now + timedelta(minutes=5))
    accept(solved(now), now + timedelta(minutes=4, seconds=59))


def test_a_refused_proof_fails_the_captcha_and_counts_as_a_failure(now):
    challenge = challenge_create(binding="s", client=CLIENT, now=now)
    answer = challenge_answer(challenge_id=challenge.id)
    proof = CaptchaProof(challenge.id, answer, "s", solved(now, challenge_id=challenge.id, number=-1))
    with pytest.raises(WorkRefused):
        captcha_check(proof=proof, client=CLIENT, now=now)
    good = CaptchaProof(challenge.id, answer, "s", solved(now, challenge_id=challenge.id))
    captcha_check(proof=good, client=CLIENT, now=now)


def test_the_proof_of_one_challenge_does_not_open_another_R_CAP6(now):
    first = challenge_create(binding="s", client=CLIENT, now=now)
    second = challenge_create(binding="s", client=CLIENT, now=now)
    work_of_first = solved(now, challenge_id=first.id)
    proof = CaptchaProof(second.id, challenge_answer(challenge_id=second.id), "s", work_of_first)
    with pytest.raises(WorkRefused):
        captcha_check(proof=proof, client=CLIENT, now=now)
    # That refusal counted as a failure: the first challenge needs a proof made since, at the new difficulty.
    with pytest.raises(WorkOutdated):
        captcha_check(proof=CaptchaProof(first.id, "ZZZZZZ", "s", work_of_first), client=CLIENT, now=now)
    own = CaptchaProof(first.id, challenge_answer(challenge_id=first.id), "s", solved(now, challenge_id=first.id))
    captcha_check(proof=own, client=CLIENT, now=now)


def test_an_easy_proof_kept_from_before_failures_is_outdated_and_not_a_failure_R_CAP6(now):
    easy = solved(now)
    for n in range(2):  # two wrong answers: the client's proofs must now be four times harder
        challenge = challenge_create(binding=str(n), client=CLIENT, now=now)
        with pytest.raises(CaptchaWrong):
            captcha_check(proof=CaptchaProof(challenge.id, "ZZZZZZ", str(n)), client=CLIENT, now=now)
    with pytest.raises(WorkOutdated):
        accept(easy, now)
    accept(solved(now), now)


def test_a_proof_is_not_voided_by_what_neighbours_did_after_it_was_made_R_CAP6(now):
    payload = solved(now)
    for n in range(30):
        neighbour = Client(f"203.0.113.{100 + n}")
        challenge = challenge_create(binding=str(n), client=neighbour, now=now)
        with pytest.raises(CaptchaWrong):
            captcha_check(proof=CaptchaProof(challenge.id, "ZZZZZZ", str(n)), client=neighbour, now=now)
    accept(payload, now)


def test_a_proof_with_a_character_outside_base64_is_unreadable_and_refused_R_CAP6(now):
    """A stray character is not skipped over: what arrives is read as it is, or refused."""
    payload = solved(now)
    with pytest.raises(WorkRefused):
        accept(payload[:8] + "!" + payload[8:], now)
    accept(payload, now)  # not spent by the refused one


def test_the_numbers_to_try_are_bounded_by_the_client_s_difficulty_R_CAP6(now):
    challenge = json.loads(work_challenge(challenge_id=CHALLENGE, client=CLIENT, now=now))
    assert challenge["maxNumber"] == work_difficulty(client=CLIENT, now=now)


def test_a_spent_proof_is_kept_until_its_own_expiry_whatever_the_server_s_time_zone_R_CAP6(now, monkeypatch):
    """A server set to Cayenne's time (UTC-3): the spent proof's row must not end three hours before the proof
    itself does, when the purge would let it be played again."""
    import time

    from moncompte.captcha.models import SpentToken

    monkeypatch.setenv("TZ", "America/Cayenne")
    time.tzset()
    try:
        accept(solved(now), now)
    finally:
        monkeypatch.undo()
        time.tzset()
    assert list(SpentToken.objects.values_list("expires_at", flat=True)) == [now + timedelta(minutes=5)]


@pytest.mark.redis
def test_an_answer_with_its_proof_reads_the_failures_once_R_CAP6(now, settings):
    """Issue 22: the client's failures sized the proof and were read again to check it; read once now."""
    import redis

    from tests.helpers import TEST_REDIS_URL
    from tests.web.test_query_budget import redis_round_trips

    settings.REDIS_URL = TEST_REDIS_URL
    redis.Redis.from_url(TEST_REDIS_URL).flushdb()
    challenge = challenge_create(binding="s", client=CLIENT, now=now)
    proof = CaptchaProof(
        challenge.id, challenge_answer(challenge_id=challenge.id), "s", solved(now, challenge_id=challenge.id)
    )
    with redis_round_trips() as sent:
        captcha_check(proof=proof, client=CLIENT, now=now)
    assert sent[0] == 1  # the client's, its network's and the session's failures, in one pipeline


def test_an_answer_s_proof_is_checked_against_the_client_s_own_failures_not_its_network_s_R_CAP6(now):
    """The failures read once for the limit (the client's, its network's, the session's) hand the proof's check
    the client's own: neighbours failing after the page was shown do not void a person's proof."""
    challenge = challenge_create(binding="s", client=CLIENT, now=now)
    work = solved(now, challenge_id=challenge.id)
    for n in range(12):
        neighbour = Client(f"203.0.113.{100 + n}")
        theirs = challenge_create(binding=str(n), client=neighbour, now=now)
        with pytest.raises(CaptchaWrong):
            captcha_check(proof=CaptchaProof(theirs.id, "ZZZZZZ", str(n)), client=neighbour, now=now)
    answer = challenge_answer(challenge_id=challenge.id)
    captcha_check(proof=CaptchaProof(challenge.id, answer, "s", work), client=CLIENT, now=now)
