"""Fresh CAPTCHA pictures for a blind reading (R-CAP5): a person who has not seen the answers reads them.

Run: .venv/bin/python -m bench.captcha_pictures FOLDER [--count 50] [--seed S] [--answers FILE]
Writes FOLDER/001.png, 002.png… drawn as the service draws them (a count of characters from CAPTCHA_LENGTH_MIN
to CAPTCHA_LENGTH_MAX, each uniform over the alphabet), and their answers, one a line in the pictures' order, in
FILE (by default FOLDER-answers.txt, beside the folder and never in it: the reader gets the folder alone).
Prints the drawing's CPU per picture. The same seed writes the same pictures.
"""

import argparse
import os
import random
import sys
import time
from pathlib import Path

from bench.server import SECRET_KEY

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "moncompte.config.settings")
os.environ.setdefault("SECRET_KEY", SECRET_KEY)

import django

django.setup()

from moncompte.captcha import image  # noqa: E402
from moncompte.captcha.alphabet import ALPHABET  # noqa: E402
from moncompte.core.conf import conf  # noqa: E402


def answers(count: int, seed: int) -> list[str]:
    rng, config = random.Random(f"blind answers:{seed}"), conf()
    low, high = config.captcha_length_min, config.captcha_length_max
    return ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(low, high))) for _ in range(count)]


def write(folder: Path, answers_file: Path, count: int, seed: int) -> float:
    """The pictures and their answers; returns the drawing's CPU seconds per picture."""
    if answers_file.resolve().is_relative_to(folder.resolve()):
        raise SystemExit("the answers must be written outside the pictures' folder (the reader gets the folder)")
    folder.mkdir(parents=True, exist_ok=True)
    drawn = answers(count, seed)
    cpu = 0.0
    for index, answer in enumerate(drawn, start=1):
        started = time.process_time()
        png = image.render_png(answer, random.Random(f"blind picture:{seed}:{index}"))
        cpu += time.process_time() - started
        (folder / f"{index:03d}.png").write_bytes(png)
    answers_file.write_text("".join(f"{index:03d} {answer}\n" for index, answer in enumerate(drawn, start=1)))
    return cpu / max(1, count)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--answers", type=Path, help="where the answers go (default: FOLDER-answers.txt)")
    args = parser.parse_args(argv)
    answers_file = args.answers or args.folder.with_name(f"{args.folder.name}-answers.txt")
    cpu = write(args.folder, answers_file, args.count, args.seed)
    print(f"{args.count} pictures in {args.folder}, answers in {answers_file}; drawing CPU {1000 * cpu:.1f} ms each")
    return 0


if __name__ == "__main__":
    sys.exit(main())
