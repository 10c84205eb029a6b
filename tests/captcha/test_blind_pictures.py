"""R-CAP5's blind reading: bench/captcha_pictures.py writes fresh pictures for a reader and their answers apart."""

import io
import random

import numpy as np
import pytest
from PIL import Image

from bench import captcha_pictures
from moncompte.captcha import image

pytestmark = pytest.mark.without_database


def test_the_pictures_are_the_services_and_their_answers_lie_outside_the_folder(tmp_path):
    folder, answers = tmp_path / "blind", tmp_path / "blind-answers.txt"
    assert captcha_pictures.main([str(folder), "--count", "3", "--seed", "5"]) == 0
    assert sorted(path.name for path in folder.iterdir()) == ["001.png", "002.png", "003.png"]
    lines = answers.read_text().splitlines()
    assert [line.split()[0] for line in lines] == ["001", "002", "003"]
    for index, line in enumerate(lines, start=1):
        answer = line.split()[1]
        assert 9 <= len(answer) <= 11
        drawn = image.render_png(answer, random.Random(f"blind picture:5:{index}"))
        assert (folder / f"{index:03d}.png").read_bytes() == drawn
        assert np.asarray(Image.open(io.BytesIO(drawn))).shape == (image.HEIGHT, image.WIDTH, 3)


def test_answers_inside_the_folder_are_refused(tmp_path):
    with pytest.raises(SystemExit):
        captcha_pictures.main([str(tmp_path), "--count", "1", "--answers", str(tmp_path / "answers.txt")])
    assert not (tmp_path / "answers.txt").exists()
