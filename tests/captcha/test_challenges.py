import dataclasses
import io
import itertools
import wave
from collections import Counter
from datetime import timedelta

import pytest
from PIL import Image

from moncompte.captcha import audio, challenges, limits
from moncompte.captcha.alphabet import ALPHABET, AUDIO_LENGTH, LOOK_ALIKES
from moncompte.captcha.challenges import challenge_answer, challenge_create, challenge_png, challenge_wav
from moncompte.captcha.errors import CaptchaExpired, CaptchaMissing, CaptchaWrong
from moncompte.captcha.guard import CaptchaProof, captcha_check
from moncompte.captcha.models import SpentToken
from moncompte.captcha.spent import spent_tokens_purge
from moncompte.core import throttle
from moncompte.core.client import Client

pytestmark = pytest.mark.django_db
CLIENT = Client("203.0.113.7", "pytest")
BINDING = "session-a"


def new(now, binding=BINDING):
    return challenge_create(binding=binding, client=CLIENT, now=now)


def answer(challenge, typed=None, *, now, binding=BINDING):
    proof = CaptchaProof(
        challenge_id=challenge.id,
        answer=challenge_answer(challenge_id=challenge.id) if typed is None else typed,
        binding=binding,
    )
    captcha_check(proof=proof, client=CLIENT, now=now)


@pytest.mark.parametrize(
    ("elapsed", "accepted"),
    [(timedelta(minutes=4, seconds=59), True), (timedelta(minutes=5), False), (timedelta(minutes=5, seconds=1), False)],
)
def test_a_challenge_is_valid_5_minutes_R_CAP2(now, elapsed, accepted):
    challenge = new(now)
    if accepted:
        answer(challenge, now=now + elapsed)
    else:
        with pytest.raises(CaptchaExpired) as expired:
            answer(challenge, now=now + elapsed)
        assert expired.value.message == (
            "Le code anti-robot a expiré (il est valable 5 minutes) ou a déjà servi. Un nouveau code vous est proposé."
        )


def test_a_challenge_answers_once_R_CAP2(now):
    challenge = new(now)
    answer(challenge, now=now)
    with pytest.raises(CaptchaExpired):
        answer(challenge, now=now)


def test_a_wrong_answer_uses_up_the_challenge_R_CAP2(now):
    challenge = new(now)
    with pytest.raises(CaptchaWrong):
        answer(challenge, "ZZZZZZZ", now=now)
    with pytest.raises(CaptchaExpired):
        answer(challenge, now=now)


def test_an_empty_answer_is_refused_without_using_the_challenge(now):
    challenge = new(now)
    with pytest.raises(CaptchaMissing):
        answer(challenge, "  ", now=now)
    answer(challenge, now=now)


def test_the_answer_is_compared_case_insensitively_R_CAP3(now):
    challenge = new(now)
    answer(challenge, f" {challenge_answer(challenge_id=challenge.id).lower()} ", now=now)


def test_the_alphabet_has_no_look_alikes_and_answers_use_all_of_it_R_CAP3(now):
    assert not set("0O1IL34578FWXZ") & set(ALPHABET)
    answers = "".join(challenge_answer(challenge_id=new(now, binding=str(i)).id) for i in range(50))
    assert set(answers) == set(ALPHABET)


def _with_look_alikes(picture: str) -> str:
    """The picture's answer as a person who reads each character for its look-alike types it."""
    typed_for = {drawn: typed for typed, drawn in LOOK_ALIKES.items()}  # one look-alike for each (the last)
    return "".join(typed_for.get(char, char) for char in picture)


def _shown(now, count, prefix=""):
    """`count` challenges, each for its own browser session: [(binding, challenge)]."""
    return [(f"{prefix}{i}", new(now, binding=f"{prefix}{i}")) for i in range(count)]


@pytest.fixture
def many_challenges(settings):
    # A look-alike of two characters (W for VV) is in about one answer in forty: up to 600 challenges from one
    # client, more than its hourly limit (R-CAP4) allows.
    settings.MONCOMPTE = dataclasses.replace(settings.MONCOMPTE, captcha_new_per_client=1000)


def test_a_look_alike_typed_for_the_character_drawn_is_accepted_R_CAP3(now, settings):
    # 30 answers from one client without the proof of work: more than its hourly limit (R-CAP6) allows.
    settings.MONCOMPTE = dataclasses.replace(settings.MONCOMPTE, captcha_without_work_per_client=100)
    shown = _shown(now, 30)
    pictures = [challenge_answer(challenge_id=challenge.id) for _, challenge in shown]
    typed = [_with_look_alikes(picture) for picture in pictures]
    assert sum(each != picture for each, picture in zip(typed, pictures, strict=True)) > 20
    for (binding, challenge), each in zip(shown, typed, strict=True):
        answer(challenge, each.lower(), now=now, binding=binding)


@pytest.mark.parametrize("typed", sorted(LOOK_ALIKES))
def test_each_look_alike_is_accepted_where_its_character_is_drawn_R_CAP3(now, typed, many_challenges):
    drawn = LOOK_ALIKES[typed]
    shown = (_shown(now, 1, f"{typed}{i}-")[0] for i in range(600))
    binding, where = next((b, c) for b, c in shown if drawn in challenge_answer(challenge_id=c.id))
    answer(where, challenge_answer(challenge_id=where.id).replace(drawn, typed, 1), now=now, binding=binding)


@pytest.mark.parametrize("typed", sorted(LOOK_ALIKES))
def test_a_look_alike_never_stands_for_another_character_R_CAP3(now, typed):
    drawn = LOOK_ALIKES[typed]
    binding, where = next((b, c) for b, c in _shown(now, 60, typed) if challenge_answer(challenge_id=c.id)[0] != drawn)
    with pytest.raises(CaptchaWrong):
        answer(where, typed + challenge_answer(challenge_id=where.id)[1:], now=now, binding=binding)


def test_the_sound_answer_is_compared_as_the_digits_typed_R_CAP3(now):
    # Its digits 0, 1, 3, 4, 5 and 8 are look-alikes of the picture's characters: they must stay digits.
    binding, where = next(
        (b, c) for b, c in _shown(now, 40) if set("013458") & set(challenge_answer(challenge_id=c.id, kind="audio"))
    )
    answer(where, challenge_answer(challenge_id=where.id, kind="audio"), now=now, binding=binding)


def test_r_cap5_the_picture_has_a_count_of_characters_drawn_per_challenge(now, settings):
    low, high = settings.MONCOMPTE.captcha_length_min, settings.MONCOMPTE.captcha_length_max
    shown = [new(now, binding=str(i)).id for i in range(40)]
    lengths = [len(challenge_answer(challenge_id=id_)) for id_ in shown]
    assert set(lengths) == set(range(low, high + 1))  # each count, and no other
    assert lengths == [len(challenge_answer(challenge_id=id_)) for id_ in shown]  # the same challenge, the same


def test_r_cap5_picture_and_sound_have_different_answers(now):
    shown = [new(now, binding=str(i)).id for i in range(50)]
    pictures = [challenge_answer(challenge_id=id_) for id_ in shown]
    sounds = [challenge_answer(challenge_id=id_, kind="audio") for id_ in shown]
    assert all(len(sound) == AUDIO_LENGTH and sound.isdigit() for sound in sounds)
    assert all(all(c in ALPHABET for c in picture) for picture in pictures)
    assert all(picture != sound for picture, sound in zip(pictures, sounds, strict=True))
    numbers = [number for sound in sounds for number in audio.numbers_of(sound)]
    assert set(numbers) <= set(range(10, 100))
    assert len(set(numbers)) > 50  # 150 draws from 90 numbers


def test_r_cap5_the_server_accepts_the_answer_to_the_picture_or_to_the_sound(now):
    by_picture, by_sound = new(now), new(now)
    answer(by_picture, challenge_answer(challenge_id=by_picture.id), now=now)
    answer(by_sound, f" {challenge_answer(challenge_id=by_sound.id, kind='audio')} ", now=now)


def test_r_cap5_half_of_each_answer_is_wrong_R_CAP2(now):
    challenge = new(now)
    picture = challenge_answer(challenge_id=challenge.id)
    sound = challenge_answer(challenge_id=challenge.id, kind="audio")
    with pytest.raises(CaptchaWrong):
        answer(challenge, picture[:3] + sound[3:], now=now)


def test_r_cap5_the_sound_answers_once_like_the_picture_R_CAP2(now):
    challenge = new(now)
    answer(challenge, now=now)
    with pytest.raises(CaptchaExpired):
        answer(challenge, challenge_answer(challenge_id=challenge.id, kind="audio"), now=now)


def test_an_unknown_kind_or_challenge_has_no_answer(now):
    assert challenge_answer(challenge_id=new(now).id, kind="video") == ""
    assert challenge_answer(challenge_id="forged.id.x.y", kind="audio") == ""
    assert challenge_answer(challenge_id="forged.id.x.y") == ""


@pytest.mark.parametrize("forged", ["nope", "a.b.c.d", "", "x" * 500, "é.😀.\x00.z"])
def test_a_forged_or_unknown_challenge_is_refused_and_counted_as_a_failure(now, forged):
    with pytest.raises(CaptchaWrong):
        captcha_check(proof=CaptchaProof(challenge_id=forged, answer="ABCDEF", binding=BINDING), client=CLIENT, now=now)
    assert throttle.count(limits.failures_per_session(), key=BINDING, now=now) == 1


def test_an_altered_challenge_id_is_refused(now):
    challenge = new(now)
    nonce, stamp, tag, mac = challenge.id.split(".")
    younger = type(challenge)(id=f"{nonce}.{int(stamp, 36) + 600:x}.{tag}.{mac}", expires_at=challenge.expires_at)
    with pytest.raises(CaptchaWrong):
        answer(younger, challenge_answer(challenge_id=challenge.id), now=now)


def test_a_challenge_answers_only_in_the_session_that_asked_for_it_R_CAP4(now):
    challenge = new(now, binding="session-a")
    with pytest.raises(CaptchaWrong):
        answer(challenge, now=now, binding="session-b")
    answer(challenge, now=now, binding="session-a")


def test_showing_a_challenge_writes_nothing_and_answering_stores_no_answer_R_CAP4(now):
    challenges = [new(now) for _ in range(20)]
    assert not SpentToken.objects.exists()
    answer(challenges[0], now=now)
    stored = SpentToken.objects.get()
    shown = challenge_answer(challenge_id=challenges[0].id)
    assert shown not in stored.digest
    assert challenges[0].id.split(".")[0] not in stored.digest


def test_the_test_answer_is_accepted_when_configured(now, settings):
    settings.CAPTCHA_TEST_ANSWER = "TESTOK"
    answer(new(now), "testok", now=now)


def test_fetching_again_returns_the_same_picture_and_sound_R_CAP4(now):
    challenge = new(now)
    png, wav = challenge_png(challenge_id=challenge.id, now=now), challenge_wav(challenge_id=challenge.id, now=now)
    assert challenge_png(challenge_id=challenge.id, now=now) == png
    challenges._png.cache_clear()  # drawn again from scratch, as another process would: the same bytes
    challenges._wav.cache_clear()
    assert challenge_png(challenge_id=challenge.id, now=now) == png
    assert challenge_wav(challenge_id=challenge.id, now=now) == wav
    other = new(now)
    assert challenge_png(challenge_id=other.id, now=now) != png
    assert challenge_wav(challenge_id=other.id, now=now) != wav


def test_a_challenge_past_its_5_minutes_has_no_picture_nor_sound_R_CAP2(now):
    challenge = new(now)
    later = now + timedelta(minutes=5, seconds=1)
    assert challenge_png(challenge_id=challenge.id, now=later) is None
    assert challenge_wav(challenge_id=challenge.id, now=later) is None


def test_r_cap5_each_challenge_draws_its_own_layout_for_its_picture_and_for_its_sound(now):
    """The random choices of the drawing come from the challenge's nonce, for one use each: a script that
    learnt one challenge's layout knows nothing of another's, nor of the same challenge's sound."""
    first, second = (challenges.parse(new(now).id) for _ in range(2))
    assert first is not None
    assert second is not None

    def layout(nonce: str, purpose: str) -> int:
        return challenges._rng_for(nonce, purpose).getrandbits(64)

    assert layout(first.nonce, "image") == layout(first.nonce, "image")
    assert layout(first.nonce, "image") != layout(second.nonce, "image")
    assert layout(first.nonce, "image") != layout(first.nonce, "audio")


def test_the_picture_is_a_png_that_fits_a_phone_R_CAP1(now):
    png = challenge_png(challenge_id=new(now).id, now=now)
    assert png is not None
    assert Image.open(io.BytesIO(png)).size == (300, 160)  # two rows; a phone's 320 px hold it whole


def test_the_audio_is_a_wav_longer_for_each_character_R_CAP1(now):
    challenge = new(now)
    wav = challenge_wav(challenge_id=challenge.id, now=now)
    assert wav is not None
    with wave.open(io.BytesIO(wav)) as audio:
        seconds = audio.getnframes() / audio.getframerate()
    # the instruction, then four numbers under other voices: several seconds of speech
    assert 5 < seconds < 20
    assert challenge_wav(challenge_id=challenge.id, now=now + timedelta(minutes=6)) is None
    assert challenge_png(challenge_id="forged.id.x.y", now=now) is None


@pytest.mark.parametrize("typed", ["ÉÉÉÉÉÉ", "😀", "\x00"])
def test_any_text_typed_is_simply_wrong(now, typed):
    with pytest.raises(CaptchaWrong):
        answer(new(now), typed, now=now)


def test_a_non_ascii_challenge_id_is_refused(now):
    with pytest.raises(CaptchaWrong):
        captcha_check(
            proof=CaptchaProof(challenge_id="a.b.c.é", answer="ABCDEF", binding=BINDING), client=CLIENT, now=now
        )
    assert challenge_png(challenge_id="a.b.c.é", now=now) is None


def test_a_challenge_says_when_it_expires_R_CAP2(now):
    assert new(now).expires_at == now + timedelta(minutes=5)


def test_an_answer_is_read_without_the_spaces_typed_in_it_R_CAP3(now):
    challenge = new(now)
    typed = challenge_answer(challenge_id=challenge.id)
    answer(challenge, " ".join(typed[:3]) + "  " + typed[3:].lower(), now=now)


def test_a_challenge_answered_stays_spent_for_its_whole_life_R_CAP2(now):
    """The purge forgets spent challenges only once they could no longer be answered anyway."""
    challenge = new(now)
    answer(challenge, now=now)
    spent_tokens_purge(now=now + timedelta(minutes=4))
    with pytest.raises(CaptchaExpired):
        answer(challenge, now=now + timedelta(minutes=4))


def test_r_cap3_characters_and_numbers_are_drawn_evenly():
    """Bytes past the last whole multiple of the span are skipped: with every byte once, each character of the
    alphabet comes as often (12 times for 21 characters: 252 bytes) and each number from 10 to 99 twice (180)."""
    characters = challenges._uniform(bytes(range(256)), len(ALPHABET))
    each = 256 // len(ALPHABET)
    assert sorted(Counter(characters).items()) == [(i, each) for i in range(len(ALPHABET))]
    numbers = challenges._uniform(bytes(range(256)), 90)
    assert sorted(Counter(numbers).items()) == [(i, 2) for i in range(90)]


def test_r_cap5_the_sound_says_every_number_from_10_to_99():
    said = {int(a + b) for n in range(200) for a, b in itertools.batched(challenges._audio_answer(f"n{n}"), 2)}
    assert said == set(range(10, 100))


def test_the_picture_of_a_challenge_that_is_gone_says_so_and_how_long_one_lasts_R_CAP2():
    """The app asked for the picture or the sound of an unknown or expired challenge (R-CAP4's 404)."""
    from django.test import Client as HttpClient

    for medium in ("image.png", "audio.wav"):
        answer = HttpClient().get(f"/api/v1/captcha/inconnu/{medium}")
        assert answer.status_code == 404
        assert answer.json()["detail"] == (
            "Ce code anti-robot n'existe pas ou a expiré (il est valable 5 minutes) : demandez-en un nouveau."
        )
