"""The CAPTCHA picture: distorted characters over noise, drawn with Pillow's bundled font (a few ms)."""

import io
import random
from functools import cache

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 240, 80
GLYPH = 56


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


@cache
def _glyph(char: str, size: int) -> Image.Image:
    """One character on a transparent tile; cached, then rotated per challenge."""
    tile = Image.new("L", (GLYPH, GLYPH), 0)
    ImageDraw.Draw(tile).text((GLYPH // 2, GLYPH // 2), char, font=_font(size), fill=255, anchor="mm")
    return tile


def render_png(answer: str, rng: random.Random) -> bytes:
    def _rand(low: int, high: int) -> int:
        return rng.randint(low, high)

    image = Image.new("RGB", (WIDTH, HEIGHT), (246, 246, 240))
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        draw.line(
            [(_rand(0, WIDTH), _rand(0, HEIGHT)), (_rand(0, WIDTH), _rand(0, HEIGHT))],
            fill=(_rand(120, 200), _rand(120, 200), _rand(120, 200)),
            width=2,
        )
    step = (WIDTH - 20) // max(1, len(answer))
    for index, char in enumerate(answer):
        glyph = _glyph(char, _rand(38, 46)).rotate(_rand(-25, 25), resample=Image.Resampling.BILINEAR)
        colour = (_rand(10, 90), _rand(10, 90), _rand(60, 140))
        x = 10 + index * step + _rand(-3, 3)
        y = (HEIGHT - GLYPH) // 2 + _rand(-6, 6)
        image.paste(colour, (x, y), glyph)
    for _ in range(300):
        x, y = _rand(0, WIDTH - 1), _rand(0, HEIGHT - 1)
        draw.point((x, y), fill=(_rand(0, 255), _rand(0, 255), _rand(0, 255)))
    # A curve through the text makes simple segmentation harder while staying readable.
    points = [(x, HEIGHT // 2 + _rand(-15, 15)) for x in range(0, WIDTH + 1, 30)]
    draw.line(points, fill=(60, 60, 110), width=2)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False, compress_level=1)
    return out.getvalue()
