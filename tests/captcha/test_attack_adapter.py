"""R-CAP5: the reference attack's adapter (bench/captcha_attack.py) learns from the generator's own drawing. The
window chains learn from where each character of a training picture lies: image.draw gives the picture and each
character's own ink, and its picture must be the very one the service serves (render_png), or the attack would
learn from other pictures than those it is measured on, silently."""

import io
import random

import numpy as np
import pytest
from PIL import Image

from bench import captcha_attack as attack
from bench.captcha_solvers_picture_windows import coverage
from moncompte.captcha import image

pytestmark = pytest.mark.without_database


@pytest.mark.parametrize("seed", range(8))
def test_the_drawing_is_the_served_picture_and_its_characters_ink(seed):
    answer = "".join(random.Random(seed).choice("ABCDEGHJKMNPQRSTUV269") for _ in range(9 + seed % 3))
    drawing = image.draw(answer, random.Random(f"image:{seed}"))
    served = image.render_png(answer, random.Random(f"image:{seed}"))
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(served)).convert("RGB")), drawing.pixels)
    assert "".join(char for char, _, _ in drawing.characters) == answer == "".join(drawing.rows)
    assert [row for _, row, _ in drawing.characters] == sorted(row for _, row, _ in drawing.characters)
    ink = coverage(drawing.pixels) > 0.5
    for _, _, own in drawing.characters:
        assert own.shape == ink.shape
        assert ink[own > 0.7].mean() > 0.97  # a character's own ink is ink of the picture
        assert (own > 0.5).sum() >= 100


@pytest.mark.parametrize("seed", range(8))
def test_the_layout_places_every_character_of_the_answer_where_its_own_ink_lies(seed):
    answer, png = attack.picture(seed)
    drawing = image.draw(answer, random.Random(f"image:{seed}"))
    layout = attack.picture_layout(answer, png)
    assert ["".join(char for char, _, _ in row) for row in layout] == attack.picture_rows(answer, png)
    ink = coverage(np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))) > 0.5
    spans = [span for row in layout for span in row]
    for (char, start, end), (own_char, _, own) in zip(spans, drawing.characters, strict=True):
        columns = np.flatnonzero((own > 0.3).any(axis=0))
        assert (char, start, end) == (own_char, columns[0], columns[-1] + 1)
        assert ink[:, start:end].any(axis=0).mean() > 0.9
