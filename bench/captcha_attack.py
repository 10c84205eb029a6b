"""The reference attack on the CAPTCHA (R-CAP5, issue 19): an attacker with the project's source renders labelled
pictures and sounds with the service's own generator, trains solvers on them (scikit-learn, one thread), then
reads fresh ones offline and, with --http, real challenges served by `moncompte serve` through the app's API.

Run: .venv/bin/python -m bench.captcha_attack [--train 2000] [--challenges 200] [--http] [--kinds image,audio,both]
     [--seed 0] [--port 8391] [--only SOLVER] [--closing PIXELS] [--wipe PIXELS] [--anywhere]
     (the full run, with --http: about 25 minutes on 2 shared cores; --only "scan" for a quicker trial)
Prints per kind and solver: solved %, characters right %, solver CPU per challenge, training CPU.
Targets (issue 19): picture ≤ 5 % and sound ≤ 5 % solved; reading both of one challenge gains nothing.
The solvers: bench/captcha_solvers_picture.py, bench/captcha_solvers_sound.py; HTTP: bench/captcha_solvers_http.py.
Pictures of two rows are first split along a seam (bench/captcha_solvers_picture_rows.py), each row read alone;
the window chains (bench/captcha_solvers_picture_windows.py, a fresh attacker's) split and chain them themselves;
--wipe and --anywhere adapt them to clutter (small pieces of ink wiped first, chains not pinned to the row's ends).
Labels come from the generator's own drawing (image.draw: the picture and each character's own ink).
`ci_attack` is the CI-sized attack (300 samples, 20 challenges), run by tests/captcha/test_attacks.py.
"""

import argparse
import io
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import numpy as np
from PIL import Image

from bench.server import SECRET_KEY

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "moncompte.config.settings")
os.environ.setdefault("SECRET_KEY", SECRET_KEY)  # the key of the server --http starts: true answers known here

import django

django.setup()


from bench import captcha_solvers_http as web  # noqa: E402
from bench import captcha_solvers_picture as picture_solvers  # noqa: E402
from bench import captcha_solvers_picture_windows as windows_module  # noqa: E402
from bench.captcha_solvers_common import Readings, Score, combine, fitted_all, guess_of, read  # noqa: E402
from bench.captcha_solvers_picture import ColourSplitSolver, SliceSolver  # noqa: E402
from bench.captcha_solvers_picture_rows import RowsSolver  # noqa: E402
from bench.captcha_solvers_picture_scan import ScanSolver  # noqa: E402
from bench.captcha_solvers_picture_windows import WindowsSolver  # noqa: E402
from bench.captcha_solvers_sound import SoundSolver  # noqa: E402
from bench.captcha_solvers_sound_windows import WindowSoundSolver  # noqa: E402
from moncompte.captcha import alphabet, audio, challenges, image  # noqa: E402
from moncompte.core.conf import conf  # noqa: E402

# ---- adapter: ALL this attack knows of the generator (change it here when the generator changes) ---------
# It reads the source as it stands: before issue 19 one answer said by picture and sound, one character per
# spoken piece; since, the sound says numbers from 10 to 99 (AUDIO_NUMBER_LOW...), its own answer.

NUMBERS = getattr(alphabet, "AUDIO_NUMBER_LOW", None) is not None  # the sound says numbers, typed as digits
SHARED_ANSWER = not hasattr(alphabet, "AUDIO_ALPHABET")  # picture and sound say the same answer


def picture_spec() -> tuple[str, tuple[int, ...]]:
    """The alphabet and the counts of characters a picture may have (the service draws one per challenge,
    uniformly, from captcha_length_min to captcha_length_max)."""
    return alphabet.ALPHABET, tuple(range(conf().captcha_length_min, conf().captcha_length_max + 1))


def sound_spec() -> tuple[str, int]:
    return alphabet.AUDIO_ALPHABET, alphabet.AUDIO_LENGTH


def letters_of(kind: str) -> str:
    """The alphabet of "picture" or "sound" ("both" counts as a picture: it is read as one)."""
    return sound_spec()[0] if kind == "sound" else picture_spec()[0]


def _answer(seed: int, kind: str) -> str:
    """Drawn as the service draws it: uniform over the alphabet, or over the numbers the sound says."""
    rng = random.Random(f"answer:{seed}" if SHARED_ANSWER else f"answer:{kind}:{seed}")
    if kind == "sound":
        letters, length = sound_spec()
        if NUMBERS:
            low, high = alphabet.AUDIO_NUMBER_LOW, alphabet.AUDIO_NUMBER_HIGH
            return "".join(str(rng.randint(low, high)) for _ in range(length // 2))
    else:
        letters, lengths = picture_spec()
        length = rng.choice(lengths) if len(lengths) > 1 else lengths[0]
    return "".join(rng.choice(letters) for _ in range(length))


TWO_ROWS = hasattr(image, "rows_of")  # since R-CAP5's two rows: the answer cut in two, a row under the other
_LAYOUTS: dict[int, tuple[list[str], list[list[tuple[str, int, int]]]]] = {}


def picture(seed: int) -> tuple[str, bytes]:
    """A labelled picture drawn by the generator, and (for picture_rows and picture_layout) what its drawing
    says of each character: its row and its own ink (image.draw, since issue 19; no replay needed)."""
    answer = _answer(seed, "picture")
    drawing = image.draw(answer, random.Random(f"image:{seed}"))
    out = io.BytesIO()
    Image.fromarray(drawing.pixels).save(out, format="PNG", optimize=False, compress_level=1)
    png = out.getvalue()
    layout: list[list[tuple[str, int, int]]] = [[] for _ in drawing.rows]
    for char, row, ink in drawing.characters:
        columns = np.flatnonzero((ink > 0.3).any(axis=0))
        if len(columns):
            layout[row].append((char, int(columns[0]), int(columns[-1]) + 1))
    _LAYOUTS[hash(png)] = (drawing.rows, layout)
    return answer, png


def picture_rows(answer: str, png: bytes) -> list[str]:
    """The part of the answer each row of a picture rendered here shows (training labels)."""
    return _LAYOUTS[hash(png)][0]


def picture_layout(answer: str, png: bytes) -> list[list[tuple[str, int, int]]]:
    """Where each character of a picture rendered here lies (training labels): row by row, each character and
    the columns its own ink spans in the picture (above 0.3), from the generator's drawing."""
    return _LAYOUTS[hash(png)][1]


def row_counts(lengths: tuple[int, ...]) -> tuple[int, ...]:
    """The counts a row may have: the answer's halves, the odd one out on either side."""
    return tuple(sorted({half for n in lengths for half in (n // 2, n - n // 2)}))


def row_count_pairs(lengths: tuple[int, ...]) -> tuple[tuple[int, ...], ...]:
    """The counts the rows may have together, row by row: the answer's halves, the odd one out on either side
    (with one row, the answer's counts)."""
    if not TWO_ROWS:
        return tuple((n,) for n in lengths)
    return tuple(sorted({pair for n in lengths for pair in ((n // 2, n - n // 2), (n - n // 2, n // 2))}))


_TIMINGS: dict[int, list[tuple[float, float]]] = {}


def sound(seed: int) -> tuple[str, bytes]:
    answer = _answer(seed, "sound")
    wav = audio.render_wav(answer, random.Random(f"audio:{seed}"))
    _TIMINGS[hash(wav)] = _replayed_timing(answer, seed)
    return answer, wav


def _replayed_timing(answer: str, seed: int) -> list[tuple[float, float]]:
    """When the clip says each piece of its layout, in seconds: the generator's first step (the speech alone,
    before anything is laid under it) replayed with the same seed, as an attacker with the source can."""
    rng, speak = random.Random(f"audio:{seed}"), cast(Any, audio)._speech
    speech = speak(answer, rng.randrange(audio.VOICES), rng)[0] if NUMBERS else speak(answer, rng)
    on = np.concatenate([[False], np.abs(speech) > 1e-3, [False]])
    edges = np.flatnonzero(np.diff(on.astype(np.int8))) / audio.RATE
    runs: list[tuple[float, float]] = []
    for start, end in zip(edges[::2], edges[1::2], strict=True):
        if runs and start - runs[-1][1] < 0.15:  # one word's own short silences
            runs[-1] = (runs[-1][0], float(end))
        else:
            runs.append((float(start), float(end)))
    return runs


def sound_timing(wav: bytes) -> list[tuple[float, float]] | None:
    """The replayed timing of a clip rendered here (training labels); None for a served one."""
    return _TIMINGS.get(hash(wav))


def text_colours() -> np.ndarray:
    """The colours the text is drawn in, as the source lists them (PALETTE before issue 19, INKS since)."""
    colours = getattr(image, "PALETTE", None) or getattr(image, "INKS", ())
    return np.array(colours, dtype=np.float64).reshape(-1, 3)


def sound_layout(length: int) -> list[tuple[int, int] | None]:
    """What the clip says, piece by piece, as the part of the answer each piece says (None: no part of it).
    Numbers: an instruction, then each number once. Characters: an introduction, the characters, « je
    répète », the characters again."""
    if NUMBERS:
        return [None, *((i, i + 2) for i in range(0, length, 2))]
    once: list[tuple[int, int] | None] = [(i, i + 1) for i in range(length)]
    return [None, *once, None, *once]


def served_answers(challenge_id: str) -> dict[str, str]:
    """The true answers of a served challenge (this process has the server's key)."""
    picture_answer = challenges.challenge_answer(challenge_id=challenge_id)
    try:
        sound_answer = challenges.challenge_answer(challenge_id=challenge_id, kind="audio")
    except TypeError:  # before issue 19: one answer for both
        sound_answer = picture_answer
    return {"picture": picture_answer, "sound": sound_answer}


def generator_label() -> str:
    """Where the generator comes from: its last commit (and HEAD), and whether it has uncommitted changes."""
    root, git = Path(image.__file__).resolve().parents[2], ["git", "-C", str(Path(image.__file__).parents[2])]
    last = subprocess.run([*git, "log", "-1", "--format=%h %s", "--", "moncompte/captcha"], capture_output=True)
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run([*git, "status", "--porcelain", "moncompte/captcha"], capture_output=True).stdout.strip()
    note = " + uncommitted changes" if dirty else ""
    return f"{root}, moncompte/captcha at {last.stdout.decode().strip()[:60]}… (HEAD {head}){note}"


# ---- the attack ---------------------------------------------------------------------------------------------

RENDER: dict[str, Callable[[int], tuple[str, bytes]]] = {"picture": picture, "sound": sound}
Solver = ColourSplitSolver | SliceSolver | ScanSolver | RowsSolver | WindowsSolver | SoundSolver | WindowSoundSolver


def solvers_for(kind: str, seed: int) -> dict[str, Solver]:
    if kind == "picture":
        letters, lengths = picture_spec()
        if TWO_ROWS:
            lengths = row_counts(lengths)
        solvers: dict[str, Solver] = {
            "colour split + components, SVC": ColourSplitSolver(letters, lengths, text_colours(), "svc", seed),
            "colour split + components, MLP": ColourSplitSolver(letters, lengths, text_colours(), "mlp", seed),
            "column slices, colour-blind, SVC": SliceSolver(letters, lengths, "svc", seed),
            "column slices, colour-blind, MLP": SliceSolver(letters, lengths, "mlp", seed),
            "scan and decode (own cuts), MLP": ScanSolver(letters, lengths, "mlp", seed),
        }
        if TWO_ROWS:  # each row split off along a seam, then read as a picture of one row
            solvers = {f"rows, {name}": RowsSolver(solver, picture_rows) for name, solver in solvers.items()}
            # A fresh attacker's (issue 19, 7 December 2026): every window of each row classified, then chained
            pairs = row_count_pairs(picture_spec()[1])
            solvers["window chains over rows, MLP"] = WindowsSolver(letters, pairs, picture_layout, seed)
        return solvers
    letters, length = sound_spec()
    layout = sound_layout(length)
    return {
        "energy pieces + log-mel, SVC": SoundSolver(letters, length, layout, "svc", seed),
        "energy pieces + log-mel, MLP": SoundSolver(letters, length, layout, "mlp", seed),
        "windows at learned onsets, MLP": WindowSoundSolver(letters, length, layout, sound_timing, seed),
    }


def train(kind: str, count: int, seed: int, only: str | tuple[str, ...] = "") -> dict[str, tuple[Solver, float]]:
    """Every solver of the kind (or those whose name contains `only`, or one of `only`), trained on `count`
    fresh renderings: {name: (solver, training CPU seconds)}."""
    wanted = (only,) if isinstance(only, str) else only
    solvers = {name: s for name, s in solvers_for(kind, seed).items() if any(w in name for w in wanted)}
    return fitted_all(solvers, [RENDER[kind](seed * 10**8 + index) for index in range(count)])


def combined(picture_p: np.ndarray | None, sound_p: np.ndarray | None) -> tuple[str, str]:
    return combine(picture_p, picture_spec()[0], sound_p, sound_spec()[0])


def offline(trained: dict[str, dict[str, tuple[Solver, float]]], count: int, seed: int) -> Readings:
    """Every trained solver on `count` fresh seeds (never seen in training)."""
    readings = Readings()
    for kind, solvers in trained.items():
        letters = letters_of(kind)
        samples = [RENDER[kind](seed * 10**8 + 5 * 10**7 + index) for index in range(count)]
        readings.answers[kind] = [answer for answer, _ in samples]
        for name, (solver, train_cpu) in solvers.items():
            score = readings.scores[kind, name] = Score(train_cpu=train_cpu)
            results = readings.read[kind, name] = [read(solver, data) for _, data in samples]
            for (answer, _), (probabilities, cpu) in zip(samples, results, strict=True):
                score.add(guess_of(probabilities, letters), answer, cpu)
    if "picture" in trained and "sound" in trained:
        readings.scores["both", "best picture + best sound"] = readings.both(combined)
    return readings


# ---- over HTTP ----------------------------------------------------------------------------------------------


def _http_answer(kind: str, media: dict[str, bytes], best: dict[str, Solver]) -> tuple[str, float]:
    """What the attack answers to a served challenge, and the solvers' CPU."""
    probabilities, cpu = {}, 0.0
    for each, data in media.items():
        probabilities[each], spent = read(best[each], data)
        cpu += spent
    if kind == "both":
        return combined(probabilities["picture"], probabilities["sound"])[0], cpu
    return guess_of(probabilities[kind], letters_of(kind)), cpu


def _http_truth(challenge_id: str, kind: str, guess: str) -> str:
    truth = served_answers(challenge_id)
    if kind == "both":
        return guess if guess in truth.values() else truth["picture"]
    return truth[kind]


# ---- CI and command line --------------------------------------------------------------------------------------


# The CI-sized attack trains the two strongest solvers of each kind in the full runs (bench/README.md): the
# others never beat them and cost CI a minute of training.
CI_SOLVERS = {"picture": ("scan and decode", "column slices, colour-blind, MLP"), "sound": ("windows", "log-mel, MLP")}


def ci_attack(*, train_count: int = 300, challenge_count: int = 20, seed: int = 0) -> dict[str, dict[str, float]]:
    """THE CI-SIZED ATTACK: the strongest solvers (CI_SOLVERS) trained on `train_count` renderings of each kind
    and run on `challenge_count` fresh ones, offline. For the best solver of each kind ("picture", "sound"):
    the fractions solved, of characters right, of challenges it gave an answer to, and of characters right on
    samples it trained on (it learned something: the attack is not blind)."""
    trained = {kind: train(kind, train_count, seed, CI_SOLVERS[kind]) for kind in ("picture", "sound")}
    readings = offline(trained, challenge_count, seed)
    out = {}
    for kind in trained:
        best = readings.best(kind)
        score, seen = readings.scores[kind, best], Score()
        for index in range(challenge_count):
            answer, data = RENDER[kind](seed * 10**8 + index)
            seen.add(guess_of(read(trained[kind][best][0], data)[0], letters_of(kind)), answer, 0)
        out[kind] = {
            "solved": score.solved / challenge_count,
            "chars": score.chars / max(1, score.letters),
            "answered": sum(p is not None for p, _ in readings.read[kind, best]) / challenge_count,
            "training_chars": seen.chars / max(1, seen.letters),
        }
    return out


KIND_NAMES = {"image": "picture", "audio": "sound", "both": "both"}


def options(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train", type=int, default=2000, help="labelled renderings of each kind to learn from")
    parser.add_argument("--challenges", type=int, default=200, help="fresh challenges of each kind to read")
    parser.add_argument("--http", action="store_true", help="also against `moncompte serve`, through the API")
    parser.add_argument("--http-challenges", type=int, default=100, help="challenges of each kind over HTTP")
    parser.add_argument("--kinds", default="image,audio,both", help="among image, audio, both")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--closing", type=int, default=0, help="close thin cuts of ground first (pixels)")
    parser.add_argument("--wipe", type=int, default=0, help="window chains: wipe pieces of ink under N pixels")
    parser.add_argument("--anywhere", action="store_true", help="window chains: chains start and end anywhere")
    parser.add_argument("--only", default="", help="only the solvers whose name contains this (quicker trials)")
    parser.add_argument("--port", type=int, default=8391)
    return parser.parse_args(argv)


def _http_lines(best: dict[str, Solver], kinds: list[str], args: argparse.Namespace) -> dict[str, float]:
    """Over HTTP with the best solver of each kind; prints a line per kind, returns the solved fractions."""

    def answer(kind: str, media: dict[str, bytes]) -> tuple[str, float]:
        return _http_answer(kind, media, best)

    scores = web.over_http(answer, _http_truth, kinds, args.http_challenges, args.port, conf())
    for kind, score in scores.items():
        name = "best offline" if kind != "both" else "best picture + best sound"
        print(score.line(kind, name, "HTTP"))
    return {kind: score.solved / max(1, score.total) for kind, score in scores.items()}


def main(argv: list[str] | None = None) -> int:
    args = options(argv)
    kinds = [KIND_NAMES[name.strip()] for name in args.kinds.split(",")]
    needed = sorted({"picture", "sound"} if "both" in kinds else set(kinds))
    picture_solvers.CLOSING = args.closing
    windows_module.WIPE = args.wipe
    if args.anywhere:
        windows_module.TOLERANCE = 10**4
    print(f"CAPTCHA reference attack; generator: {generator_label()}")
    counts = "/".join(str(n) for n in picture_spec()[1])
    print(f"  picture: {counts} of {picture_spec()[0]}; sound: {sound_spec()[1]} of {sound_spec()[0]}")
    started = time.monotonic()
    trained = {kind: train(kind, args.train, args.seed, args.only) for kind in needed}
    print(f"  trained on {args.train} renderings of each kind in {time.monotonic() - started:.0f} s (seed {args.seed})")
    readings = offline(trained, args.challenges, args.seed)
    print(f"{'kind':<8} {'solver':<34} {'where':<8} {'solved':>16}   {'chars':>7}   {'CPU/chall.':>10}   training CPU")
    for (kind, name), score in readings.scores.items():
        if kind in kinds:
            print(score.line(kind, name, "offline"))
    worst = {k: max(s.solved / max(1, s.total) for (kk, _), s in readings.scores.items() if kk == k) for k in kinds}
    if args.http:
        best = {kind: trained[kind][readings.best(kind)][0] for kind in needed}
        for kind, rate in _http_lines(best, kinds, args).items():
            worst[kind] = max(worst[kind], rate)
    missed = [k for k in ("picture", "sound") if worst.get(k, 0) > 0.05]
    print(f"  targets (≤ 5 % solved): {'MISSED for ' + ', '.join(missed) if missed else 'met'}", end="")
    print(f"; total {time.monotonic() - started:.0f} s")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
