"""The CAPTCHA in French audio (R-CAP1, R-CAP5): understood by people, not cut up and matched by a script.

The sound has its own answer (never the picture's): five numbers from 10 to 99, said as a telephone number
is read out in France (« quarante-sept, quatre-vingt-douze, treize, soixante et onze, cinquante-cinq »), to be
typed as digits (« 4792137155 »).
Six recorded voices (scripts/make_captcha_voice) say every number. Each challenge:
- has one voice, drawn per challenge, say the instruction then the five numbers: a person follows that voice;
- bends each recording in time and pitch by a rate that drifts while it is spoken (its numbers from 0.84 to
  1.18 times the recorded pace, wavering by 8 %), and shapes its loudness, so no stretch of the clip equals,
  or is a scaled copy of, a recorded sample, and a script must learn many more renderings of each number;
- under each number, has a voice of the other sex say another number at the same moment, 3 to 6 dB lower:
  a person tells the two voices apart by their pitch and follows the one of the instruction, while every
  piece a script cuts out holds two numbers;
- lays a murmur of the other voices, saying other numbers over one another, under the whole answer. It is
  quieter than the voice while the voice speaks and swells to nearly its level whenever the voice pauses, so
  the loudness of the clip never drops where a number ends: no silence shows where to cut;
- puts everything in a random room (echoes fading over 0.2 to 0.4 s), filters the whole clip with a random
  tone curve and adds a faint hiss.
All choices come from `rng`, seeded per challenge: the same challenge always gives the same bytes.
"""

import bisect
import io
import random
import wave
from functools import cache
from pathlib import Path

import numpy as np

VOICE_DIR = Path(__file__).parent / "voice"
VOICES = 6
RATE = 12000
NUMBERS = range(10, 100)
# Levels of the murmur against the voice, in dB of loudness (RMS): while the voice speaks (a person hears the
# voice well above it) and while it pauses (the clip stays as loud as speech).
MURMUR_UNDER_SPEECH_DB = (-13.0, -10.0)
MURMUR_IN_PAUSES_DB = (-3.0, -1.0)
RIVAL_DB = (-8.0, -5.0)  # the number said at the same time by another voice
Samples = np.ndarray


@cache
def _sample(name: str) -> Samples:
    with wave.open(str(VOICE_DIR / f"{name}.wav"), "rb") as recording:
        frames = recording.readframes(recording.getnframes())
    return np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32768


def _bent(sample: Samples, rng: random.Random, *, depth: float, spread: tuple[float, float] = (0.88, 1.12)) -> Samples:
    """Read at a rate that drifts around a random centre: time and pitch move together, never uniformly."""
    centre = rng.uniform(*spread)
    count = int(len(sample) / centre)
    # Rate and loudness change slowly (over tenths of a second): computed every 16 samples, then held.
    steps = np.arange(0, count, 16, dtype=np.float32)
    drift = depth * np.sin(2 * np.pi * steps / rng.uniform(0.12, 0.35) / RATE + rng.uniform(0, 2 * np.pi))
    positions = np.cumsum(np.repeat(centre * (1 + drift), 16)[:count])
    positions = positions[positions < len(sample) - 1]
    index = positions.astype(np.int32)
    fraction = (positions - index).astype(np.float32)
    bent = sample[index] * (1 - fraction) + sample[index + 1] * fraction  # linear interpolation
    swing = np.sin(np.linspace(0, rng.uniform(2, 6), len(steps), dtype=np.float32))
    loudness = rng.uniform(0.8, 1.0) * (1 + rng.uniform(0.05, 0.2) * swing)
    shaped: Samples = bent * np.repeat(loudness.astype(np.float32), 16)[: len(bent)]
    return shaped


def _silence(rng: random.Random, low_ms: int, high_ms: int) -> Samples:
    return np.zeros(int(RATE * rng.uniform(low_ms, high_ms) / 1000), dtype=np.float32)


def numbers_of(answer: str) -> list[int]:
    """The numbers a sound says for `answer`, its digits read two by two ("479213" → 47, 92, 13)."""
    pairs = [answer[i : i + 2] for i in range(0, len(answer), 2)]
    if not pairs or not all(len(pair) == 2 and pair.isascii() and pair.isdigit() and pair[0] != "0" for pair in pairs):
        raise ValueError("the sound says numbers from 10 to 99: an even number of digits, no pair below 10")
    return [int(pair) for pair in pairs]


def _speech(answer: str, voice: int, rng: random.Random) -> tuple[Samples, int, list[int]]:
    """The voice's instruction then its numbers; where the numbers start (the murmur starts there), and
    where each number starts."""
    intro = [_silence(rng, 200, 400), _bent(_sample(f"intro-{voice}"), rng, depth=0.015), _silence(rng, 700, 1000)]
    at = start = sum(len(part) for part in intro)
    parts, onsets = [], []
    for number in numbers_of(answer):
        # Each number its own tone curve too: the same voice, as heard through another telephone.
        said = _tone(_bent(_sample(f"{number}-{voice}"), rng, depth=0.08, spread=(0.84, 1.18)), rng, strength=9)
        pause = _silence(rng, 300, 550)
        parts += [said, pause]
        onsets.append(at)
        at += len(said) + len(pause)
    return np.concatenate([*intro, *parts, _silence(rng, 300, 500)]), start, onsets


def _rivals(length: int, onsets: list[int], voice: int, rng: random.Random) -> Samples:
    """Under each number, another number said at the same moment by a voice of the other sex: quieter, and
    at another pitch, so a person hears which is which; a cut-out piece holds two numbers."""
    others = [other for other in range(VOICES) if (other < VOICES // 2) != (voice < VOICES // 2)]
    rivals = np.zeros(length + 2 * RATE, dtype=np.float32)
    for onset in onsets:
        said = _bent(_sample(f"{rng.choice(NUMBERS)}-{rng.choice(others)}"), rng, depth=0.05)
        at = max(0, onset + rng.randrange(-RATE // 12, RATE // 12))
        rivals[at : at + len(said)] += said
    return rivals[:length]


def _murmur(length: int, voice: int, rng: random.Random) -> Samples:
    """Three streams of the other voices, each saying numbers one after the other, overlapping."""
    others = [other for other in range(VOICES) if other != voice]
    murmur = np.zeros(length + 2 * RATE, dtype=np.float32)
    for _ in range(3):
        at = -rng.randrange(RATE // 2)
        while at < length:
            said = _bent(_sample(f"{rng.choice(NUMBERS)}-{rng.choice(others)}"), rng, depth=0.05)
            if at + len(said) > 0:
                murmur[max(0, at) : at + len(said)] += said[max(0, -at) :] * rng.uniform(0.6, 1.0)
            at += len(said) + rng.randrange(-RATE // 10, RATE // 8)
    return murmur[:length]


def _envelope(clip: Samples, window_ms: int) -> Samples:
    """Loudness along the clip (a moving RMS, centred), one value per sample: computed on blocks of 5 ms by
    running sums, then spread back over the samples (a few hundred microseconds for a whole clip)."""
    block = RATE // 200
    count = -(-len(clip) // block)
    padded = np.zeros(count * block, dtype=np.float32)
    padded[: len(clip)] = clip
    energy = (padded.reshape(count, block) ** 2).mean(axis=1, dtype=np.float64)
    half = max(0, int(window_ms / 5) // 2)
    sums = np.concatenate([[0.0], np.cumsum(energy)])
    index = np.arange(count)
    ends, starts = np.minimum(index + half + 1, count), np.maximum(index - half, 0)
    smooth = np.sqrt(np.maximum(sums[ends] - sums[starts], 0) / (ends - starts))
    envelope: Samples = np.repeat(smooth.astype(np.float32), block)[: len(clip)]
    return envelope


def _rms(clip: Samples) -> float:
    return max(1e-6, float(np.sqrt(np.mean(clip**2))))


def _mixed(speech: Samples, start: int, onsets: list[int], voice: int, rng: random.Random) -> Samples:
    """The rivals and the murmur under the numbers. The murmur's gain follows the voice inversely, so its
    pauses fill up."""
    said = speech[start:]
    murmur = _murmur(len(said), voice, rng)
    rivals = _rivals(len(said), [onset - start for onset in onsets], voice, rng)
    spoken = _envelope(said, 40)
    loud = float(np.percentile(spoken, 90))
    # 1 while the voice speaks (its soft sounds too, held 80 ms on each side), 0 in its pauses; smooth turns.
    speaking = (_envelope((spoken > 0.1 * loud).astype(np.float32), 160) > 0).astype(np.float32)
    speaking = _envelope(speaking, 60)
    under, pauses = rng.uniform(*MURMUR_UNDER_SPEECH_DB), rng.uniform(*MURMUR_IN_PAUSES_DB)
    gain_db = pauses + (under - pauses) * speaking
    level = _rms(said[spoken > 0.1 * loud])
    mixed = speech.copy()
    mixed[start:] += murmur * (level / _rms(murmur)) * 10 ** (gain_db / 20)
    mixed[start:] += rivals * (level / _rms(rivals[rivals != 0])) * 10 ** (rng.uniform(*RIVAL_DB) / 20)
    return mixed


def _tone(clip: Samples, rng: random.Random, *, strength: float = 6) -> Samples:
    """A random, smooth tone curve (some bands louder, others softer, by up to about `strength` dB), applied
    as a short filter (33 taps: a couple of milliseconds, where an FFT of the clip costs several times more)."""
    bands = np.linspace(0, 1, 17, dtype=np.float32)
    gain_db = rng.uniform(-strength, strength) * bands
    for _ in range(3):
        centre, width = rng.uniform(0.05, 0.8), rng.uniform(0.05, 0.2)
        gain_db += rng.uniform(-strength, strength) * np.exp(-(((bands - centre) / width) ** 2))
    kernel = np.fft.fftshift(np.fft.irfft(10 ** (gain_db / 20), n=32))
    kernel = np.append(kernel, kernel[0]) * np.hanning(33)
    return np.convolve(clip, kernel.astype(np.float32), mode="same")


def _room(clip: Samples, rng: random.Random) -> Samples:
    """As if said in a room: the clip plus its echoes fading over a few tenths of a second (a random decaying
    noise as the room's response), convolved through the FFT."""
    seconds = rng.uniform(0.15, 0.3)  # time for the echoes to fade by 60 dB
    length = int(RATE * seconds)
    decay = np.exp(-6.9 * np.arange(length, dtype=np.float32) / length)
    response = np.random.default_rng(rng.getrandbits(64)).standard_normal(length).astype(np.float32) * decay
    response *= 10 ** (-rng.uniform(8, 14) / 20) / max(1e-6, float(np.sqrt(np.sum(response**2))))
    response[0] = 1.0  # the direct sound, louder than all the echoes together
    size = _fast_size(len(clip) + length)
    wet: Samples = np.fft.irfft(np.fft.rfft(clip.astype(np.float32), size) * np.fft.rfft(response, size), size)
    return wet[: len(clip)].astype(np.float32)


@cache
def _fast_sizes() -> tuple[int, ...]:
    """Lengths whose only factors are 2, 3 and 5, up to a minute of sound: FFTs of these are fast, and the
    next one above a clip is never far (a power of two can be nearly twice as long)."""
    return tuple(
        sorted(
            n for n in (2**a * 3**b * 5**c for a in range(24) for b in range(15) for c in range(10)) if n <= 64 * RATE
        )
    )


def _fast_size(length: int) -> int:
    return _fast_sizes()[bisect.bisect_left(_fast_sizes(), length)]


def render_wav(answer: str, rng: random.Random) -> bytes:
    voice = rng.randrange(VOICES)
    speech, start, onsets = _speech(answer, voice, rng)
    clip = _tone(_room(_mixed(speech, start, onsets, voice, rng), rng), rng)
    noise = np.random.default_rng(rng.getrandbits(64)).standard_normal(len(clip), dtype=np.float32)
    clip += noise * _rms(clip) * 10 ** (-32 / 20)
    clip *= 0.9 / max(1e-6, float(np.max(np.abs(clip))))
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes((clip * 32767).astype("<i2").tobytes())
    return out.getvalue()
