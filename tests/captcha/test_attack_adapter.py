"""R-CAP5: the reference attack's adapter (bench/captcha_attack.py) replays the generator faithfully. The window
chains learn from where each character of a training picture lies, replayed from the generator's own
functions; a generator that changes without its adapter would teach them wrong places, silently."""

import io

import numpy as np
import pytest
from PIL import Image

from bench import captcha_attack as attack
from bench.captcha_solvers_picture_windows import coverage

pytestmark = pytest.mark.without_database


@pytest.mark.parametrize("seed", range(8))
def test_replayed_layout_places_every_character_of_the_answer_where_the_picture_has_ink(seed):
    answer, png = attack.picture(seed)
    layout = attack.picture_layout(answer, png)
    assert ["".join(char for char, _, _ in row) for row in layout] == attack.picture_rows(answer, png)
    ink = coverage(np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))) > 0.5
    inked = set(np.flatnonzero(ink.any(axis=0)).tolist())
    spanned = {column for row in layout for _, start, end in row for column in range(start, end)}
    assert inked <= spanned
    assert abs(min(spanned) - min(inked)) <= 2
    assert abs(max(spanned) - max(inked)) <= 2
    for row in layout:
        for _, start, end in row:
            assert ink[:, start:end].any(axis=0).mean() > 0.9
