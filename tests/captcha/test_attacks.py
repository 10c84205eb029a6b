"""R-CAP5, sized for CI: the attacks of bench/captcha_attack.py on a few fresh challenges (the benchmark runs
them on 200 and prints the rates). A person reads 6 characters; these scripts must not."""

import pytest

from bench import captcha_attack as attack
from moncompte.captcha import audio, challenges, image

pytestmark = pytest.mark.django_db
COUNT = 6


@pytest.fixture(scope="module")
def fresh() -> list[attack.Fresh]:
    return list(attack.fresh_challenges(COUNT))


def rendered(item: attack.Fresh) -> tuple[bytes, bytes]:
    parsed = challenges.parse(item.challenge_id)
    assert parsed
    return (
        audio.render_wav(item.answer, challenges._rng(parsed, "audio")),
        image.render_png(item.answer, challenges._rng(parsed, "image")),
    )


def test_no_recorded_sample_is_found_in_the_audio_R_CAP5(fresh):
    assert not any(attack.audio_exact(rendered(item)[0], item.answer) for item in fresh)


def test_cross_correlation_with_the_recorded_samples_solves_no_audio_challenge_R_CAP5(fresh):
    results = [attack.audio_correlation(item, rendered(item)[0], stretched=True) for item in fresh]
    assert sum(solved for solved, _ in results) == 0
    # Far from reading: well under two thirds of the characters right (about a third in the benchmark).
    assert sum(right for _, right in results) < COUNT * 6 * 2 / 3


def test_colour_mask_and_glyph_templates_solve_no_picture_R_CAP5(fresh):
    results = [attack.picture_templates(rendered(item)[1], item.answer) for item in fresh]
    assert sum(solved for solved, _ in results) == 0
    assert sum(right for _, right in results) < COUNT * 6 * 2 / 3
