"""The CAPTCHA in French audio (R-CAP1): pre-recorded samples (scripts/make_captcha_voice) joined per
challenge, two voices picked at random and noise of random length between characters (well under a ms of
CPU, where synthesising speech per request costs hundreds)."""

import io
import random
import wave
from functools import cache
from pathlib import Path

VOICE_DIR = Path(__file__).parent / "voice"
VOICES = 2
RATE = 16000
BYTES_PER_SECOND = RATE * 2


@cache
def _frames(name: str) -> bytes:
    with wave.open(str(VOICE_DIR / f"{name}.wav"), "rb") as sample:
        return sample.readframes(sample.getnframes())


def render_wav(answer: str, rng: random.Random) -> bytes:
    def _noise(min_ms: int, max_ms: int) -> bytes:
        noise = _frames("noise")
        length = rng.randint(min_ms, max_ms) * BYTES_PER_SECOND // 1000 // 2 * 2
        start = rng.randrange((len(noise) - length) // 2) * 2
        return noise[start : start + length]

    def _voice(name: str) -> bytes:
        return _frames(f"{name}-{rng.randrange(VOICES)}")

    parts = [_voice("intro"), _noise(500, 700)]
    for round_index in range(2):
        if round_index:
            parts += [_noise(700, 900), _voice("repeat"), _noise(400, 600)]
        for char in answer.upper():
            parts += [_voice(char), _noise(450, 800)]
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes(b"".join(parts))
    return out.getvalue()
