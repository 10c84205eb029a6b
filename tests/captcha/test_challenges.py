import io
import wave
from datetime import timedelta

import pytest
from PIL import Image

from moncompte.captcha.alphabet import ALPHABET
from moncompte.captcha.challenges import (
    CaptchaExpired,
    CaptchaMissing,
    CaptchaWrong,
    challenge_create,
    challenge_png,
    challenge_verify,
    challenge_wav,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("elapsed", "accepted"),
    [(timedelta(minutes=4, seconds=59), True), (timedelta(minutes=5, seconds=1), False)],
)
def test_a_challenge_is_valid_5_minutes_R_CAP2(now, elapsed, accepted):
    challenge = challenge_create(now=now)
    if accepted:
        challenge_verify(challenge_id=challenge.id, answer=challenge.answer, now=now + elapsed)
    else:
        with pytest.raises(CaptchaExpired):
            challenge_verify(challenge_id=challenge.id, answer=challenge.answer, now=now + elapsed)


def test_a_challenge_answers_once_R_CAP2(now):
    challenge = challenge_create(now=now)
    challenge_verify(challenge_id=challenge.id, answer=challenge.answer, now=now)
    with pytest.raises(CaptchaExpired):
        challenge_verify(challenge_id=challenge.id, answer=challenge.answer, now=now)


def test_a_wrong_answer_uses_up_the_challenge_R_CAP2(now):
    challenge = challenge_create(now=now)
    with pytest.raises(CaptchaWrong):
        challenge_verify(challenge_id=challenge.id, answer="ZZZZZZZ", now=now)
    with pytest.raises(CaptchaExpired):
        challenge_verify(challenge_id=challenge.id, answer=challenge.answer, now=now)


def test_an_empty_answer_is_refused_without_using_the_challenge(now):
    challenge = challenge_create(now=now)
    with pytest.raises(CaptchaMissing):
        challenge_verify(challenge_id=challenge.id, answer="  ", now=now)
    challenge_verify(challenge_id=challenge.id, answer=challenge.answer, now=now)


def test_the_answer_is_compared_case_insensitively_R_CAP3(now):
    challenge = challenge_create(now=now)
    challenge_verify(challenge_id=challenge.id, answer=f" {challenge.answer.lower()} ", now=now)


def test_the_alphabet_has_no_look_alikes_R_CAP3(now):
    assert not set("0O1IL") & set(ALPHABET)
    answers = "".join(challenge_create(now=now).answer for _ in range(50))
    assert set(answers) <= set(ALPHABET)


def test_an_unknown_challenge_is_expired(now):
    with pytest.raises(CaptchaExpired):
        challenge_verify(challenge_id="nope", answer="ABCDEF", now=now)


def test_the_test_answer_is_accepted_when_configured(now, settings):
    settings.CAPTCHA_TEST_ANSWER = "TESTOK"
    challenge = challenge_create(now=now)
    challenge_verify(challenge_id=challenge.id, answer="testok", now=now)


def test_the_picture_is_a_png_and_disappears_once_answered_R_CAP1(now):
    challenge = challenge_create(now=now)
    png = challenge_png(challenge_id=challenge.id, now=now)
    assert png is not None
    assert Image.open(io.BytesIO(png)).size == (240, 80)
    challenge_verify(challenge_id=challenge.id, answer=challenge.answer, now=now)
    assert challenge_png(challenge_id=challenge.id, now=now) is None


def test_the_audio_is_a_wav_longer_for_each_character_R_CAP1(now):
    challenge = challenge_create(now=now)
    wav = challenge_wav(challenge_id=challenge.id, now=now)
    assert wav is not None
    with wave.open(io.BytesIO(wav)) as audio:
        seconds = audio.getnframes() / audio.getframerate()
    # intro + 6 characters said twice, with pauses: several seconds of speech
    assert 6 < seconds < 30
    assert challenge_wav(challenge_id=challenge.id, now=now + timedelta(minutes=6)) is None
