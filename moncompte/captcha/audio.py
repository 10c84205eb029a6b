"""The CAPTCHA in French audio (R-CAP1, R-CAP5): understood by people, not found by matching samples.

Six recorded voices (scripts/make_captcha_voice) say every character. Each challenge:
- picks a voice per character and per round (the characters are said twice), never one fixed sequence;
- bends each character in time and pitch by a rate that drifts while it is spoken, and shapes its loudness,
  so no stretch of the clip equals, or is a scaled copy of, a recorded sample;
- leaves random gaps between characters;
- lays under everything a murmur of other characters, said by other voices, quieter than the speech;
- filters the whole clip with a random tone curve and adds a faint hiss.
All choices come from `rng`, seeded per challenge: the same challenge always gives the same bytes.
About 10 ms of CPU per challenge (bench/captcha_bench.py).
"""

import io
import random
import wave
from functools import cache
from pathlib import Path

import numpy as np

from moncompte.captcha.alphabet import ALPHABET

VOICE_DIR = Path(__file__).parent / "voice"
VOICES = 6
RATE = 12000
Samples = np.ndarray


@cache
def _sample(name: str) -> Samples:
    with wave.open(str(VOICE_DIR / f"{name}.wav"), "rb") as recording:
        frames = recording.readframes(recording.getnframes())
    return np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32768


def _bent(sample: Samples, rng: random.Random, *, depth: float) -> Samples:
    """Read at a rate that drifts around a random centre: time and pitch move together, never uniformly."""
    centre = rng.uniform(0.9, 1.12)
    steps = np.arange(int(len(sample) / centre), dtype=np.float32)
    drift = depth * np.sin(2 * np.pi * steps / rng.uniform(0.12, 0.35) / RATE + rng.uniform(0, 2 * np.pi))
    positions = np.cumsum(centre * (1 + drift))
    positions = positions[positions < len(sample) - 1]
    bent = np.interp(positions, np.arange(len(sample)), sample).astype(np.float32)
    loudness = rng.uniform(0.75, 1.0) * (
        1 + rng.uniform(0.05, 0.2) * np.sin(np.linspace(0, rng.uniform(2, 6), len(bent)))
    )
    shaped: Samples = bent * loudness.astype(np.float32)
    return shaped


def _silence(rng: random.Random, low_ms: int, high_ms: int) -> Samples:
    return np.zeros(int(RATE * rng.uniform(low_ms, high_ms) / 1000), dtype=np.float32)


def _speech(answer: str, rng: random.Random) -> Samples:
    parts = [_silence(rng, 150, 400), _bent(_sample(f"intro-{rng.randrange(VOICES)}"), rng, depth=0.015)]
    for round_index in range(2):
        parts.append(_silence(rng, 500, 800))
        if round_index:
            parts += [_bent(_sample(f"repeat-{rng.randrange(VOICES)}"), rng, depth=0.015), _silence(rng, 350, 600)]
        for char in answer.upper():
            parts += [_bent(_sample(f"{char}-{rng.randrange(VOICES)}"), rng, depth=0.04), _silence(rng, 320, 620)]
    return np.concatenate(parts)


def _murmur(length: int, rng: random.Random) -> Samples:
    """Other characters, in other voices, overlapping: speech-like, so matching finds them too."""
    murmur = np.zeros(length + RATE, dtype=np.float32)
    for _ in range(int(length / RATE * 1.2)):
        voice = _bent(_sample(f"{rng.choice(ALPHABET)}-{rng.randrange(VOICES)}"), rng, depth=0.05)
        start = rng.randrange(length)
        murmur[start : start + len(voice)] += voice * rng.uniform(0.5, 1.0)
    return murmur[:length]


def _tone(clip: Samples, rng: random.Random) -> Samples:
    """A random, smooth tone curve over the whole clip (some bands louder, others softer), applied as a
    short filter (33 taps: a couple of milliseconds, where an FFT of the clip costs several times more)."""
    bands = np.linspace(0, 1, 17, dtype=np.float32)
    gain_db = rng.uniform(-6, 6) * bands
    for _ in range(3):
        centre, width = rng.uniform(0.05, 0.8), rng.uniform(0.05, 0.2)
        gain_db += rng.uniform(-6, 6) * np.exp(-(((bands - centre) / width) ** 2))
    kernel = np.fft.fftshift(np.fft.irfft(10 ** (gain_db / 20), n=32))
    kernel = np.append(kernel, kernel[0]) * np.hanning(33)
    return np.convolve(clip, kernel.astype(np.float32), mode="same")


def render_wav(answer: str, rng: random.Random) -> bytes:
    speech = _speech(answer, rng)
    murmur = _murmur(len(speech), rng)
    level = float(np.sqrt(np.mean(speech**2)) / max(1e-6, float(np.sqrt(np.mean(murmur**2)))))
    clip = speech + murmur * level * 10 ** (rng.uniform(-15, -11) / 20)
    clip = _tone(clip, rng)
    noise = np.random.default_rng(rng.getrandbits(64)).standard_normal(len(clip), dtype=np.float32)
    clip += noise * float(np.sqrt(np.mean(clip**2))) * 10 ** (-32 / 20)
    clip *= 0.9 / max(1e-6, float(np.max(np.abs(clip))))
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes((clip * 32767).astype("<i2").tobytes())
    return out.getvalue()
