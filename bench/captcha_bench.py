"""CAPTCHA generation cost on this machine: picture (target: median ≤ 10 ms) and French audio (≤ 20 ms), each
with answers of its own kind (characters of the alphabet; numbers from 10 to 99 for the sound, R-CAP5).

Run: .venv/bin/python bench/captcha_bench.py [ROUNDS]
"""

import random
import secrets
import statistics
import sys
import time
from collections.abc import Callable

from moncompte.captcha.alphabet import ALPHABET, AUDIO_LENGTH, AUDIO_NUMBER_HIGH, AUDIO_NUMBER_LOW
from moncompte.captcha.audio import render_wav
from moncompte.captcha.image import render_png


def picture_answer() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(6))


def sound_answer() -> str:
    span = AUDIO_NUMBER_HIGH - AUDIO_NUMBER_LOW + 1
    return "".join(str(AUDIO_NUMBER_LOW + secrets.randbelow(span)) for _ in range(AUDIO_LENGTH // 2))


def measure(
    render: Callable[[str, random.Random], bytes], rounds: int, answers: Callable[[], str] = picture_answer
) -> tuple[list[float], int]:
    render(answers(), random.Random(0))  # first call loads the fonts / the samples
    timings, size = [], 0
    for _ in range(rounds):
        answer = answers()
        start = time.process_time()
        size = len(render(answer, random.Random(secrets.randbits(64))))
        timings.append((time.process_time() - start) * 1000)
    return sorted(timings), size


def report(name: str, timings: list[float], size: int, target_ms: float) -> bool:
    median = statistics.median(timings)
    p99 = timings[int(len(timings) * 0.99) - 1]
    ok = median <= target_ms
    print(
        f"{name:<8} median {median:7.2f} ms   p99 {p99:7.2f} ms   max {timings[-1]:7.2f} ms   "
        f"{size / 1024:6.1f} KiB   target median ≤ {target_ms:.0f} ms: {'OK' if ok else 'MISSED'}"
    )
    return ok


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    print(f"CAPTCHA, {rounds} challenges each, CPU time per challenge")
    image_ok = report("image", *measure(render_png, rounds), target_ms=10)
    audio_ok = report("audio", *measure(render_wav, rounds, sound_answer), target_ms=20)
    return 0 if image_ok and audio_ok else 1


if __name__ == "__main__":
    sys.exit(main())
