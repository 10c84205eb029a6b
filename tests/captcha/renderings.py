"""Reference renderings of the CAPTCHA's picture and sound (R-CAP5): what the generator draws for a few fixed
answers and seeds, kept in tests/captcha/renderings/.

R-CAP5's resistance is measured against a reader trained on this very generator (bench/captcha_attack.py,
minutes of training): its figures hold for the drawing they were measured with. Any change to the drawing (a
range of sizes, a level of the murmur, one more random draw) gives other pictures and sounds, so the tests
compare each rendering with its reference: a change of the drawing must be measured again, then its new
references written, on purpose:

    PYTHONPATH=$PWD .venv/bin/python -m tests.captcha.renderings

The comparison leaves room for the last bit of floating-point arithmetic (numpy's vector code differs from one
processor to another), nothing more.
"""

import io
import random
import wave
from pathlib import Path

import numpy as np
from PIL import Image

from moncompte.captcha import audio, image

FOLDER = Path(__file__).parent / "renderings"
# (answer, seed): lengths 9 to 13 (R-CAP5: 9 to 11 drawn, and longer where the settings ask), so both ways of
# cutting an odd answer into rows are drawn, and every character of the alphabet (R-CAP3); eight pictures, so a
# change to a range of random draws shows in some of them; and a ninth whose rows of six wide characters are
# too wide at first and pushed together, one of them until it fills the picture to its last allowed pixel
# (the only pictures where how they are pushed shows).
PICTURES = (
    ("ABCDEGHJK", 1),
    ("PQRSTUV269", 2),
    ("CDEGHJKMNPQRS", 3),
    ("TUV269ABCDEGH", 4),
    ("JKMNPQRSTUV", 5),
    ("269ABCDEGHJK", 6),
    ("MNPQRSTUV2692", 7),
    ("VV66SSBBQQJJ", 8),
    ("MMMMMMMMMMMM", 4),
)
# A whole answer, two short ones said by the voices on either side of the line between men's and women's voices
# (seed 7: voice 2, seed 9: voice 3), whose rivals are of the other sex, and one whose room is computed on an odd
# number of samples (seed 59: 59,049, where most clips get an even one).
SOUNDS = (("4792137155", 1), ("13", 7), ("88", 9), ("13", 59))


def picture_path(answer: str, seed: int) -> Path:
    return FOLDER / f"picture-{answer}-{seed}.png"


def sound_path(answer: str, seed: int) -> Path:
    return FOLDER / f"sound-{answer}-{seed}.wav"


def picture_pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)


def sound_samples(wav: bytes) -> np.ndarray:
    with wave.open(io.BytesIO(wav)) as clip:
        assert (clip.getnchannels(), clip.getsampwidth(), clip.getframerate()) == (1, 2, audio.RATE)
        return np.frombuffer(clip.readframes(clip.getnframes()), dtype="<i2").astype(np.float64) / 32768


def write() -> None:
    FOLDER.mkdir(exist_ok=True)
    for answer, seed in PICTURES:
        picture_path(answer, seed).write_bytes(image.render_png(answer, random.Random(seed)))
    for answer, seed in SOUNDS:
        sound_path(answer, seed).write_bytes(audio.render_wav(answer, random.Random(seed)))


if __name__ == "__main__":
    write()
