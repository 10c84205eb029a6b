"""R-CAP4: challenges and wrong answers are limited per client and per browser session, with the same clear
French message as the other limits; answers without the proof of work are held to a stricter limit."""

from datetime import timedelta

import pytest

from moncompte.captcha import limits
from moncompte.captcha.challenges import challenge_answer, challenge_create
from moncompte.captcha.errors import CaptchaWrong
from moncompte.captcha.guard import CaptchaProof, captcha_check
from moncompte.captcha.work import work_difficulty
from moncompte.core.client import Client
from moncompte.core.errors import TooManyAttempts

pytestmark = pytest.mark.django_db


def client(n: int = 7) -> Client:
    return Client(f"203.0.113.{n}", "pytest")


def attempt(now, *, binding="s", who=None, right=False, work=""):
    who = who or client()
    challenge = challenge_create(binding=binding, client=who, now=now)
    typed = challenge_answer(challenge_id=challenge.id) if right else "ZZZZZZ"
    captcha_check(proof=CaptchaProof(challenge.id, typed, binding, work), client=who, now=now)


def test_new_challenges_are_limited_per_session_with_the_time_to_wait(settings, now):
    settings.MONCOMPTE = {**settings.MONCOMPTE, "CAPTCHA_NEW_PER_SESSION": 3}
    for _ in range(3):
        challenge_create(binding="s", client=client(), now=now)
    with pytest.raises(TooManyAttempts, match="veuillez patienter 1 heure") as refused:
        challenge_create(binding="s", client=client(), now=now)
    assert refused.value.field == "captcha_answer"
    challenge_create(binding="another session", client=client(), now=now)


def test_new_challenges_are_limited_per_client(settings, now):
    settings.MONCOMPTE = {**settings.MONCOMPTE, "CAPTCHA_NEW_PER_CLIENT": 3}
    for n in range(3):
        challenge_create(binding=str(n), client=client(), now=now)
    with pytest.raises(TooManyAttempts):
        challenge_create(binding="fresh session", client=client(), now=now)
    challenge_create(binding="fresh session", client=client(8), now=now)


def test_wrong_answers_are_limited_per_session(settings, now):
    settings.MONCOMPTE = {**settings.MONCOMPTE, "CAPTCHA_FAILURES_PER_SESSION": 2}
    for n in range(2):
        with pytest.raises(CaptchaWrong):
            attempt(now, who=client(n))
    with pytest.raises(TooManyAttempts, match="Trop de tentatives"):
        attempt(now, who=client(9), right=True)
    attempt(now, binding="other", who=client(9), right=True)


def test_wrong_answers_are_limited_per_client(settings, now):
    settings.MONCOMPTE = {**settings.MONCOMPTE, "CAPTCHA_FAILURES_PER_CLIENT": 2}
    for n in range(2):
        with pytest.raises(CaptchaWrong):
            attempt(now, binding=str(n))
    with pytest.raises(TooManyAttempts):
        attempt(now, binding="new", right=True)
    attempt(now, binding="new", who=client(9), right=True)


def test_answers_without_the_proof_of_work_meet_a_stricter_limit_R_CAP5(settings, now):
    settings.MONCOMPTE = {**settings.MONCOMPTE, "CAPTCHA_WITHOUT_WORK_PER_CLIENT": 2}
    attempt(now, binding="a", right=True)
    attempt(now, binding="b", right=True)
    with pytest.raises(TooManyAttempts):
        attempt(now, binding="c", right=True)


def test_the_proof_of_work_grows_with_the_failures_of_the_client_R_CAP5(settings, now):
    base = settings.MONCOMPTE["CAPTCHA_WORK_BASE"]
    assert work_difficulty(client=client(), now=now) == base
    for n in range(3):
        with pytest.raises(CaptchaWrong):
            attempt(now, binding=str(n))
    assert work_difficulty(client=client(), now=now) == base * 8
    assert work_difficulty(client=client(9), now=now) == base
    assert limits.recent_failures(client=client(), now=now) == 3


def test_the_proof_of_work_has_a_ceiling(settings, now):
    unlimited = ("CAPTCHA_FAILURES_PER_CLIENT", "CAPTCHA_FAILURES_PER_SESSION", "CAPTCHA_WITHOUT_WORK_PER_CLIENT")
    settings.MONCOMPTE = {**settings.MONCOMPTE, **dict.fromkeys(unlimited, 100)}
    for n in range(12):
        with pytest.raises(CaptchaWrong):
            attempt(now, binding=str(n))
    assert work_difficulty(client=client(), now=now) == settings.MONCOMPTE["CAPTCHA_WORK_MAX"]


def test_the_edge_between_two_hours_does_not_let_twice_the_limit_through(settings, now):
    settings.MONCOMPTE = {**settings.MONCOMPTE, "CAPTCHA_NEW_PER_CLIENT": 10}
    end_of_hour = now.replace(minute=59, second=50)
    for n in range(10):
        challenge_create(binding=str(n), client=client(), now=end_of_hour)
    with pytest.raises(TooManyAttempts):
        challenge_create(binding="next", client=client(), now=end_of_hour + timedelta(seconds=20))


def test_pictures_and_sounds_fetched_are_limited_per_client(settings, now):
    settings.MONCOMPTE = {**settings.MONCOMPTE, "CAPTCHA_MEDIA_PER_CLIENT": 2}
    limits.media_count(client=client(), now=now)
    limits.media_count(client=client(), now=now)
    with pytest.raises(TooManyAttempts):
        limits.media_count(client=client(), now=now)
