"""The CAPTCHA picture (R-CAP1, R-CAP5): hard for template matching and OCR, readable by people.

- Each character gets its own font (nine free fonts, cut down to the alphabet), size, width, slant and
  rotation, so no two drawings of a letter are alike and no template fits.
- Characters overlap a little and sit at no fixed place, so columns do not separate them.
- The clutter (curves, strokes, specks) is drawn in the very colours of the text, so no colour mask
  removes it, but thinner than the letters, so the eye tells them apart.
- A gentle wave bends the whole picture.
- Text colours are dark on a light ground (contrast above 7:1), and meaning never rests on colour alone.

Everything random comes from `rng`, seeded per challenge: the same challenge always gives the same bytes.
"""

import io
import math
import random
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 300, 100
FONT_DIR = Path(__file__).parent / "fonts"
# Dark blue, dark red, dark green, dark violet, near black: each above 7:1 on the light grounds below.
PALETTE = ((20, 40, 115), (125, 20, 30), (15, 80, 40), (70, 25, 95), (35, 35, 35))


@cache
def _font_files() -> tuple[Path, ...]:
    return tuple(sorted(FONT_DIR.glob("*.ttf")))


@cache
def _font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size)


def _glyph(char: str, rng: random.Random) -> Image.Image:
    """One character as a mask: its own font, size, width, slant and rotation."""
    font = _font(rng.choice(_font_files()), rng.randint(42, 54))
    left, top, right, bottom = font.getbbox(char)
    width, height = int(right - left) + 16, int(bottom - top) + 16
    tile = Image.new("L", (width, height), 0)
    ImageDraw.Draw(tile).text((8 - left, 8 - top), char, font=font, fill=255)
    stretch, slant = rng.uniform(0.8, 1.15), rng.uniform(-0.25, 0.25)
    wide = int(width * stretch + abs(slant) * height)
    shift = -slant * height / 2 - (wide - width * stretch) / 2
    tile = tile.transform(
        (wide, height),
        Image.Transform.AFFINE,
        (1 / stretch, slant / stretch, shift / stretch, 0, 1, 0),
        resample=Image.Resampling.BICUBIC,
    )
    tile = tile.rotate(rng.uniform(-15, 15), resample=Image.Resampling.BICUBIC, expand=True)
    box = tile.getbbox()
    return tile.crop(box) if box else tile


def _curve(draw: ImageDraw.ImageDraw, rng: random.Random, colour: tuple[int, int, int], width: int) -> None:
    amplitude, period, phase = rng.uniform(8, 28), rng.uniform(60, 220), rng.uniform(0, 2 * math.pi)
    middle, tilt = rng.uniform(20, HEIGHT - 20), rng.uniform(-0.25, 0.25)
    start, end = rng.randint(-20, 80), rng.randint(WIDTH - 80, WIDTH + 20)
    points = [
        (x, middle + tilt * (x - WIDTH / 2) + amplitude * math.sin(2 * math.pi * x / period + phase))
        for x in range(start, end, 6)
    ]
    draw.line(points, fill=colour, width=width, joint="curve")


def _clutter(image: Image.Image, rng: random.Random) -> None:
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(2, 3)):
        _curve(draw, rng, rng.choice(PALETTE), rng.choice((1, 2)))
    for _ in range(rng.randint(10, 16)):  # short strokes, like pieces of letters
        x, y = rng.uniform(0, WIDTH), rng.uniform(0, HEIGHT)
        angle, length = rng.uniform(0, math.pi), rng.uniform(6, 16)
        end = (x + length * math.cos(angle), y + length * math.sin(angle))
        draw.line([(x, y), end], fill=rng.choice(PALETTE), width=rng.choice((1, 2)))


def _text(image: Image.Image, answer: str, rng: random.Random) -> None:
    glyphs = [_glyph(char, rng) for char in answer]
    overlaps = [rng.uniform(0.86, 0.98) for _ in glyphs]
    total = sum(g.width * o for g, o in zip(glyphs, overlaps, strict=True))
    squeeze = min(1.0, (WIDTH - 24) / total)
    x = rng.uniform(8, max(8.0, WIDTH - 8 - total * squeeze))
    baseline = rng.uniform(HEIGHT * 0.42, HEIGHT * 0.58)
    for glyph, overlap in zip(glyphs, overlaps, strict=True):
        # Around one line, as handwriting: each character a little up or down, never out of the picture.
        y = min(max(2.0, baseline - glyph.height / 2 + rng.uniform(-9, 9)), HEIGHT - glyph.height - 2.0)
        image.paste(rng.choice(PALETTE), (int(x), int(y)), glyph)
        x += glyph.width * overlap * squeeze


def _wave(image: Image.Image, rng: random.Random) -> Image.Image:
    """Specks in the text colours, then the whole picture bent: every column moves up or down, every row
    left or right, smoothly."""
    pixels = np.array(image)
    specks = np.random.default_rng(rng.getrandbits(64))
    count = rng.randint(120, 200)
    colours = np.array(PALETTE, dtype=np.uint8)[specks.integers(0, len(PALETTE), count)]
    pixels[specks.integers(0, HEIGHT, count), specks.integers(0, WIDTH, count)] = colours
    rows, columns = _grid()
    dx = rng.uniform(1.5, 3.5) * np.sin(2 * np.pi * rows / rng.uniform(30, 70) + rng.uniform(0, 2 * np.pi))
    dy = rng.uniform(2, 5) * np.sin(2 * np.pi * columns / rng.uniform(60, 160) + rng.uniform(0, 2 * np.pi))
    source_x = np.clip(np.rint(columns + dx), 0, WIDTH - 1).astype(np.intp)
    source_y = np.clip(np.rint(rows + dy), 0, HEIGHT - 1).astype(np.intp)
    return Image.fromarray(pixels[source_y, source_x])


@cache
def _grid() -> tuple[np.ndarray, np.ndarray]:
    rows, columns = np.mgrid[0:HEIGHT, 0:WIDTH]
    return rows, columns


def render_png(answer: str, rng: random.Random) -> bytes:
    ground = (rng.randint(240, 252), rng.randint(240, 252), rng.randint(240, 252))
    image = Image.new("RGB", (WIDTH, HEIGHT), ground)
    _clutter(image, rng)
    _text(image, answer, rng)
    _curve(ImageDraw.Draw(image), rng, rng.choice(PALETTE), 2)  # one curve across the letters too
    out = io.BytesIO()
    _wave(image, rng).save(out, format="PNG", optimize=False, compress_level=1)
    return out.getvalue()
