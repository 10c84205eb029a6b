"""The CAPTCHA picture (R-CAP1, R-CAP5): hard to cut into characters and to learn, readable by people.

The generator is public: a script renders as many labelled pictures as it likes and learns from them. What
bench/captcha_attack.py's best reader gets right is about two characters in three (and more with more
training), a person nearly all; so the picture shows more characters than a person finds long (9 to 11, the
count drawn per challenge and never told, CAPTCHA_LENGTH_MIN/MAX), on two rows to leave them large:
- Two rows, read one after the other, the answer cut into halves (the odd character on either side). Each row
  waves and tilts on its own, so no straight line of ground separates them; a script splits them along a
  seam of least ink (the reference attack does), which costs it little: the rows are not the defence.
- Within a row, each character gets its own font (seventeen free fonts, cut down to the alphabet), size
  (small, 40 to 50 px, or large, 62 to 72 px, two of each at least in every row), weight, width (0.75 to 1.2
  times its font's), slant, rotation and height (up to 10 px above or below the line). People read such
  uneven text at a glance; a reader that cuts a row into slices of similar widths and classifies each slice
  cuts it wrong: with even sizes (50 to 66 px) the trained reader got 81 % of characters right and 25 % of
  pictures; with sizes drawn from 40 to 72 px, 75 % and 8 % (some rows came out even, and it read them
  whole); with small and large always mixed, 69 % and 2 % (the figures of R-CAP5 in docs/rules.md).
- Characters are crowded: each one is moved against its neighbour until their inks touch, line of pixels
  by line of pixels (nine pairs in ten touch), so they do not come apart as separate blobs of ink and no
  column of ground separates them (Bursztein et al., "Text-based CAPTCHA strengths and weaknesses", CCS 2011:
  crowding is the defence that holds). They never nest into each other, which people misread.
- Ink is one colour field over the whole picture (two dark colours blending smoothly along a random
  direction), so the colour of a pixel says nothing of which character, or which stroke, it belongs to.
- No line through the text: crossing a small C or Q it drew an e, crossing an X an I, for people reading the
  pictures, while crowding already joins the characters it used to join.
- A smooth random field bends everything locally (elastic distortion), on top of a gentle wave.
- The ink is dark on a light ground: contrast above 7:1 (tests check each pair), meaning never in colour.

Everything random comes from `rng`, seeded per challenge: the same challenge always gives the same bytes.
`draw` also gives each character's own ink, for the reference attack (a script with the source has it too).
"""

import io
import math
import random
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

WIDTH, HEIGHT = 300, 160
FONT_DIR = Path(__file__).parent / "fonts"
# Dark blue, dark red, dark green, dark violet, near black, dark brown: each above 7:1 on every ground below,
# and so is any blend of two of them (tests/captcha/test_challenges.py checks).
INKS = ((20, 40, 115), (125, 20, 30), (15, 80, 40), (70, 25, 95), (35, 35, 35), (90, 50, 10))
GROUND_LOW, GROUND_HIGH = 238, 252  # each channel of the light ground
# Pixel sizes of the fonts, drawn per character, small (40-50) or large (62-72): every row mixes both, which
# people read as easily as even sizes while a script that cuts a row into slices of about equal width cuts
# them wrong.
FONT_SIZES = (40, 72)
BOUNCE = 10  # pixels a character may sit above or below its row's line
SLANT, ROTATION = 0.25, 15  # shear, and degrees of rotation, at most, either way


@cache
def _font_files() -> tuple[Path, ...]:
    return tuple(sorted(FONT_DIR.glob("*.ttf")))


@cache
def _font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size)


def _glyph(char: str, size: int, rng: random.Random) -> Image.Image:
    """One character as a mask: its own font, width, slant and rotation, at `size` pixels."""
    font = _font(rng.choice(_font_files()), size)
    left, top, right, bottom = font.getbbox(char)
    width, height = int(right - left) + 16, int(bottom - top) + 16
    tile = Image.new("L", (width, height), 0)
    ImageDraw.Draw(tile).text((8 - left, 8 - top), char, font=font, fill=255)
    stretch, slant = rng.uniform(0.75, 1.2), rng.uniform(-SLANT, SLANT)
    wide = int(width * stretch + abs(slant) * height)
    shift = -slant * height / 2 - (wide - width * stretch) / 2
    tile = tile.transform(
        (wide, height),
        Image.Transform.AFFINE,
        (1 / stretch, slant / stretch, shift / stretch, 0, 1, 0),
        resample=Image.Resampling.BICUBIC,
    )
    tile = tile.rotate(rng.uniform(-ROTATION, ROTATION), resample=Image.Resampling.BICUBIC, expand=True)
    if rng.random() < 0.3:  # strokes of some characters bolder than their font's
        tile = tile.filter(ImageFilter.MaxFilter(3))
    box = tile.getbbox()
    return tile.crop(box) if box else tile


def rows_of(answer: str, rng: random.Random) -> list[str]:
    """The answer cut into two rows, read one after the other: halves, the odd one out on a side drawn at
    random (a script that counts one row's characters does not learn the other's)."""
    first = len(answer) // 2 + (len(answer) % 2 if rng.random() < 0.5 else 0)
    return [answer[:first], answer[first:]]


def _text(mask: Image.Image, rows: list[str], rng: random.Random, inks: bool) -> list[tuple[str, int, np.ndarray]]:
    """Each row of crowded characters in its own mask, bent up and down along its own wave, then laid over
    the picture. With `inks`, returns each character, its row and its own ink (moved as its row is, not yet
    bent); the service does not need them (a few milliseconds a picture)."""
    characters: list[tuple[str, int, np.ndarray]] = []
    for index, row in enumerate(rows):
        own = Image.new("L", mask.size, 0)
        middle = HEIGHT * (0.3 + 0.4 * index) + rng.uniform(-5, 5)
        placed = _row(own, row, middle, rng)
        lines = np.clip(_grid()[0] - _row_wave(rng), 0, HEIGHT - 1).astype(np.intp)
        columns = _grid()[1].astype(np.intp)
        shifted = np.asarray(own)[lines, columns]
        mask.paste(255, (0, 0), Image.fromarray(shifted))  # union of inks: the mask only grows
        for char, (glyph, left, top) in zip(row, placed, strict=True) if inks else ():
            alone = Image.new("L", mask.size, 0)
            alone.paste(255, (left, top), glyph)
            characters.append((char, index, np.asarray(alone)[lines, columns]))
    return characters


def _row_wave(rng: random.Random) -> np.ndarray:
    """How far each column of a row is moved down: a tilt and a slow wave (the two rows move apart and
    together, so that no straight line of ground runs between them)."""
    columns = np.arange(WIDTH, dtype=np.float32) - WIDTH / 2
    tilt, amplitude = rng.uniform(-0.08, 0.08), rng.uniform(4, 8)
    wave = amplitude * np.sin(2 * np.pi * columns / rng.uniform(150, 300) + rng.uniform(0, 2 * math.pi))
    return np.rint(tilt * columns + wave).astype(np.int32)[None, :]


def _row(mask: Image.Image, answer: str, middle: float, rng: random.Random) -> list[tuple[Image.Image, int, int]]:
    """Crowded characters around one line; each glyph and where it is pasted (left, top)."""
    glyphs = [_glyph(char, size, rng) for char, size in zip(answer, _sizes(len(answer), rng), strict=True)]
    tops = [
        int(min(max(2.0, middle - g.height / 2 + rng.uniform(-BOUNCE, BOUNCE)), HEIGHT - g.height - 2.0))
        for g in glyphs
    ]
    overlaps = [rng.randint(0, 2) for _ in glyphs]
    for extra in range(0, 40, 3):  # a text too wide for the picture is pushed closer together
        lefts = _touching(glyphs, tops, [overlap + extra for overlap in overlaps])
        width = lefts[-1] + glyphs[-1].width
        if width <= WIDTH - 12:
            break
    x = int(rng.uniform(6, max(6.0, WIDTH - 6 - width)))
    placed = [(glyph, x + left, top) for glyph, left, top in zip(glyphs, lefts, tops, strict=True)]
    for glyph, left, top in placed:
        mask.paste(255, (left, top), glyph)  # union of inks: the mask only grows
    return placed


def _sizes(count: int, rng: random.Random) -> list[int]:
    """Every row mixes small and large characters, two of each at least (where the row has four): sizes drawn
    uniformly left some rows even, which the trained reader read whole (8 % of pictures against 2 %)."""
    small = rng.randint(min(2, count // 2), count - min(2, count // 2))
    flags = [True] * small + [False] * (count - small)
    rng.shuffle(flags)
    low, high = FONT_SIZES
    middle = (low + high) // 2
    return [rng.randint(low, middle - 6) if flag else rng.randint(middle + 6, high) for flag in flags]


def _touching(glyphs: list[Image.Image], tops: list[int], overlaps: list[int]) -> list[int]:
    """Where each character starts so that its ink reaches into its neighbour's by a few pixels (rows
    compared one by one): touching characters are one blob of ink, and no column of ground separates them."""
    reach = np.full(HEIGHT, -(10**6))  # rightmost ink so far, per row of the picture
    lefts: list[int] = []
    for glyph, top, overlap in zip(glyphs, tops, overlaps, strict=True):
        ink = np.asarray(glyph) > 96
        rows = np.flatnonzero(ink.any(axis=1))
        first = ink[rows].argmax(axis=1)
        last = ink.shape[1] - 1 - ink[rows, ::-1].argmax(axis=1)
        behind = reach[top + rows]
        shared = behind > -(10**6)
        left = int((behind[shared] - first[shared]).max()) + 1 - overlap if lefts and shared.any() else 0
        if lefts:  # slanted neighbours may touch, never nest into each other
            left = max(left, lefts[-1] + int(0.7 * glyphs[len(lefts) - 1].width))
        reach[top + rows] = np.maximum(behind, left + last)
        lefts.append(left)
    return lefts


def _bend(rng: random.Random) -> tuple[np.ndarray, np.ndarray]:
    """Local elastic distortion (a coarse random field, smoothly enlarged) plus a gentle wave: for each pixel,
    the row and column it takes its ink from."""
    rows, columns = _grid()
    shifts = []
    for amount in (rng.uniform(2.5, 4), rng.uniform(2.5, 4)):  # pixels; a knot every 35 px or so
        coarse = np.array([[rng.uniform(-1, 1) for _ in range(9)] for _ in range(4)], dtype=np.float32)
        field = Image.fromarray(coarse, mode="F").resize((WIDTH, HEIGHT), Image.Resampling.BICUBIC)
        shifts.append(np.asarray(field) * amount)
    wave = rng.uniform(2, 4) * np.sin(2 * np.pi * columns / rng.uniform(80, 160) + rng.uniform(0, 2 * np.pi))
    source_x = np.clip(np.rint(columns + shifts[0]), 0, WIDTH - 1).astype(np.intp)
    source_y = np.clip(np.rint(rows + shifts[1] + wave), 0, HEIGHT - 1).astype(np.intp)
    return source_y, source_x


def _ink(rng: random.Random) -> np.ndarray:
    """Two dark colours blending along a random direction, in waves: one colour field for all the ink."""
    first, second = rng.sample(INKS, 2)
    rows, columns = _grid()
    angle, length = rng.uniform(0, math.pi), rng.uniform(70, 160)
    along = columns * math.cos(angle) + rows * math.sin(angle)
    blend = (0.5 + 0.5 * np.sin(2 * np.pi * along / length + rng.uniform(0, 2 * math.pi)))[..., None]
    return np.array(first, dtype=np.float32) * (1 - blend) + np.array(second, dtype=np.float32) * blend


@cache
def _grid() -> tuple[np.ndarray, np.ndarray]:
    rows, columns = np.mgrid[0:HEIGHT, 0:WIDTH]
    return rows.astype(np.float32), columns.astype(np.float32)


@dataclass(frozen=True)
class Drawing:
    """A picture, and for each character of the answer (in order) its row and its own ink, 0 to 1 per pixel,
    bent as the picture is (what a script that replays the generator knows: bench/captcha_attack.py)."""

    pixels: np.ndarray  # HEIGHT x WIDTH x 3, uint8
    rows: list[str]
    characters: list[tuple[str, int, np.ndarray]]  # (character, row, ink)


def draw(answer: str, rng: random.Random, *, inks: bool = True) -> Drawing:
    """The picture; with `inks`, each character's own ink too (render_png draws the same picture without)."""
    rows = rows_of(answer, rng)  # the first draw
    ground = np.array([rng.randint(GROUND_LOW, GROUND_HIGH) for _ in range(3)], dtype=np.float32)
    mask = Image.new("L", (WIDTH, HEIGHT), 0)
    characters = _text(mask, rows, rng, inks)
    source_y, source_x = _bend(rng)
    coverage = (np.asarray(mask, dtype=np.float32)[source_y, source_x] / 255)[..., None]
    pixels = ground * (1 - coverage) + _ink(rng) * coverage
    bent = [(char, row, ink[source_y, source_x].astype(np.float32) / 255) for char, row, ink in characters]
    return Drawing(np.rint(pixels).astype(np.uint8), rows, bent)


def render_png(answer: str, rng: random.Random) -> bytes:
    out = io.BytesIO()
    Image.fromarray(draw(answer, rng, inks=False).pixels).save(out, format="PNG", optimize=False, compress_level=1)
    return out.getvalue()
