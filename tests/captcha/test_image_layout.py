"""Where the picture's characters go (R-CAP1, R-CAP5): inside the picture, crowded, and the rare cases the
reference renderings do not reach (a line at the picture's edge, a row too wide, glyphs sharing no line)."""

import random

import numpy as np
import pytest
from PIL import Image

from moncompte.captcha import image

# Opens no database: the PostgreSQL pass would run it again unchanged (tests/conftest.py).
pytestmark = pytest.mark.without_database


def placed_row(answer: str, middle: float, seed: int) -> list[tuple[Image.Image, int, int]]:
    return image._row(Image.new("L", (image.WIDTH, image.HEIGHT), 0), answer, middle, random.Random(seed))


def block(height: int, solid: int, faint: int = 0, *, faint_value: int = 96) -> Image.Image:
    """A glyph of `height` lines: `solid` columns of full ink, then `faint` of a light edge."""
    pixels = np.zeros((height, solid + faint), dtype=np.uint8)
    pixels[:, :solid] = 255
    pixels[:, solid:] = faint_value
    return Image.fromarray(pixels)


@pytest.mark.parametrize("seed", range(4))
def test_characters_keep_two_pixels_from_the_top_and_bottom_however_far_their_line_is_moved_R_CAP1(seed):
    assert [top for _, _, top in placed_row("MWQ8K", middle=-40, seed=seed)] == [2] * 5
    for glyph, _, top in placed_row("MWQ8K", middle=image.HEIGHT + 40, seed=seed):
        assert top + glyph.height == image.HEIGHT - 2


@pytest.mark.parametrize("seed", [1, 2, 3])  # seeds whose first try is too wide (the push loop runs 3 to 6 times)
@pytest.mark.parametrize("answer", ["MWMWMW", "WWWWWW"])
def test_a_row_too_wide_is_pushed_together_until_it_fits_within_the_margins_R_CAP1(answer, seed):
    placed = placed_row(answer, image.HEIGHT / 2, seed)
    first_left, (last_glyph, last_left, _) = placed[0][1], placed[-1]
    assert first_left >= 6
    assert last_left + last_glyph.width <= image.WIDTH - 6


def test_a_row_that_cannot_fit_starts_at_the_left_margin_R_CAP1():
    """Longer rows than the service draws (CAPTCHA_LENGTH_MAX raised): read from the start, never cut there."""
    for seed in range(4):
        placed = placed_row("MWMWMWMWM", image.HEIGHT / 2, seed)
        assert placed[0][1] == 6


def test_a_light_edge_of_a_glyph_is_not_ink_its_neighbour_starts_after_the_solid_ink_R_CAP5():
    """Characters touch by their ink (more than 96 of 255), not by the light fringe of their smoothing."""
    first, second = block(10, solid=30, faint=10), block(10, solid=10)
    assert image._touching([first, second], [0, 0], [0, 0]) == [0, 30]
    stronger = block(10, solid=30, faint=10, faint_value=97)
    assert image._touching([stronger, second], [0, 0], [0, 0]) == [0, 40]


def test_a_glyph_sharing_no_line_with_the_previous_one_follows_it_at_seven_tenths_of_its_width_R_CAP5():
    first, second = block(10, solid=40), block(10, solid=20)
    assert image._touching([first, second], [0, 50], [0, 0]) == [0, 28]


@pytest.mark.parametrize("seed", range(4))
def test_the_bend_takes_each_pixel_from_inside_the_picture_the_edges_for_those_pushed_past_them(seed):
    source_y, source_x = image._bend(random.Random(seed))
    assert (source_y.min(), source_y.max()) == (0, image.HEIGHT - 1)
    assert (source_x.min(), source_x.max()) == (0, image.WIDTH - 1)


@pytest.mark.parametrize("seed", range(3))
def test_a_row_moved_past_the_bottom_edge_is_cut_there_never_wrapped_around_to_the_top_R_CAP1(seed, monkeypatch):
    """Every column moved 25 pixels down: the lower row's foot leaves the picture; nothing of it comes back at
    the top, where the upper row, moved down too, leaves its first lines empty."""
    monkeypatch.setattr(image, "_row_wave", lambda rng: np.full((1, image.WIDTH), 25, dtype=np.int32))
    mask = Image.new("L", (image.WIDTH, image.HEIGHT), 0)
    characters = image._text(mask, ["WQ8", "MWQ8K"], random.Random(seed), inks=True)
    lower = np.maximum.reduce([ink for _, row, ink in characters if row == 1])
    assert lower[-1].any()  # the lower row reaches the bottom edge
    assert not np.asarray(mask)[:25].any()


@pytest.mark.parametrize("seed", range(3))
def test_each_character_s_own_ink_is_full_in_its_strokes_and_nothing_elsewhere_R_CAP5(seed):
    """What the reference attack learns from (bench/captcha_attack.py): each character's own ink, bent as the
    picture is, from 0 (not this character) to 1 (its full stroke)."""
    answer = "ABCDEGHJKM"
    drawing = image.draw(answer, random.Random(seed), inks=True)
    assert [char for char, _, _ in drawing.characters] == list(answer)
    for _, _, ink in drawing.characters:
        assert ink.shape == (image.HEIGHT, image.WIDTH)
        assert ink.max() == 1.0
        assert (ink == 0).mean() > 0.8  # a character covers a small part of the picture


def test_the_service_s_picture_computes_no_character_inks_and_is_the_same_picture():
    without = image.draw("ABCDEGHJKM", random.Random(4), inks=False)
    with_inks = image.draw("ABCDEGHJKM", random.Random(4), inks=True)
    assert without.characters == []
    assert np.array_equal(without.pixels, with_inks.pixels)
