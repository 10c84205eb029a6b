"""A picture solver that classifies windows and chains them (bench/captcha_attack.py): window chains.

Where it comes from: a fresh, independent attacker (issue 19, 7 December 2026) who had read the source but not
this bench. With 4,000 training pictures (494,000 windows, an MLP of 256 units, about 6 minutes of CPU) its
own run read 38.5 % of 200 fresh pictures and 89.8 % of their characters, accepted the guard's way, where the
bench's best solver read 2 to 3 %. This module is that attack ported into the bench's framework; what it knows
of the generator comes from the adapter of bench/captcha_attack.py (the row counts it may draw, and for
training pictures where each character lies, the generator replayed). Measured in the bench (seed 0,
bench/README.md): 23.0 % of 100 fresh pictures (82.9 % of characters) at 1,000 training pictures, 26.0 % of 200
(86.7 %) at 4,000. With the attacker's own trained model its reading gives the attacker's answers and reads 37.0 %
of the same 200: the bench's training falls short of the attacker's, for a reason not yet found.

How it reads:
- Ink coverage: each pixel's distance from the ground towards the ink, divided by the darkest distance near it
  (the ink's colour field is smooth), so that every ink colour counts as 1. With WIPE (--wipe), pieces of ink
  smaller than that many pixels are wiped first: clutter lying apart from the text.
- The rows split along a seam of least ink (dynamic programming, one pixel up or down per column, blurred
  ink as its cost and a pull towards the middle), each side a row of its own.
- Every window of a row (starts every 2 pixels over its inked span, widths 8 to 92) is cropped to its ink's
  height, resized to 24 × 24, given its width, height, aspect and density, and scored by an MLP that knows
  the alphabet and "junk". It learned from true character extents (each jittered by 2 pixels) as the
  characters, and from halves, pairs, shifted or widened windows and random spans as junk.
- For each count k of characters, the best chain of k windows from the row's first inked column to its
  last (anywhere in the row with --anywhere: TOLERANCE raised), each next window starting after half of the
  previous one and at most 8 pixels past its end, scored by the sum of its windows' log-probabilities of
  their best character; then the pair of row counts the generator may draw with the best total.
Crowding does not stop it: it never needs a column of ground between characters, it tries every cut.
"""

import io
import random
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from PIL import Image
from scipy import ndimage
from sklearn.neural_network import MLPClassifier

Labelled = list[tuple[str, bytes]]
# For a training picture (answer, png): each row's characters and the columns each one spans, left to right.
Layout = list[list[tuple[str, int, int]]]

SIDE = 24  # pixels of a window's resized crop
SCALARS = 4  # width, height, aspect, density
STEP, WIDEST, NARROWEST = 2, 92, 8  # window starts and widths, pixels
GAP, BACK, TOLERANCE = 8, 0.5, 4  # chaining: next start at most GAP past the end, after BACK of the previous
KMAX = 7  # characters in a row, at most, the chains try
HIDDEN = 256


def coverage(pixels: np.ndarray) -> np.ndarray:
    """0 (ground) to 1 (ink) per pixel, whatever the local colour of the ink."""
    pixels = pixels.astype(np.float32)
    border = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    ground = np.median(border, axis=0)
    dark = (ground[None, None, :] - pixels).clip(0).sum(axis=2)
    near = np.maximum(ndimage.maximum_filter(dark, size=9), 0.6 * dark.max())
    out: np.ndarray = (dark / np.maximum(near, 1e-6)).clip(0, 1)
    return out


def seam(ink: np.ndarray) -> np.ndarray:
    """For each column, the row of the path of least ink between the two rows of text (one pixel up or down
    per column at most, each move costing a little)."""
    height, width = ink.shape
    low, high = int(0.225 * height), int(0.775 * height)
    band = ink[low:high]
    cost = ndimage.gaussian_filter1d(band, 2.0, axis=0) + 0.3 * band
    cost = cost + 0.0002 * (np.arange(low, high)[:, None] - height / 2) ** 2
    count = high - low
    total = cost[:, 0].copy()
    came = np.zeros((count, width), dtype=np.int16)
    for column in range(1, width):
        best, move = total.copy(), np.zeros(count, dtype=np.int16)
        up, down = np.full(count, np.inf), np.full(count, np.inf)
        up[1:], down[:-1] = total[:-1] + 0.15, total[1:] + 0.15
        for shifted, step in ((up, -1), (down, 1)):
            better = shifted < best
            best, move = np.where(better, shifted, best), np.where(better, step, move)
        total = best + cost[:, column]
        came[:, column] = move
    path = np.zeros(width, dtype=np.int32)
    path[-1] = int(total.argmin())
    for column in range(width - 1, 0, -1):
        path[column - 1] = path[column] + came[path[column], column]
    return path + low


def rows_of_ink(ink: np.ndarray, rows: int) -> list[np.ndarray]:
    """The coverage of each row of text (the other side of the seam blanked)."""
    if rows == 1:
        return [ink]
    below = np.arange(ink.shape[0])[:, None] >= seam(ink)[None, :]
    return [ink * ~below, ink * below]


def extent(row: np.ndarray) -> tuple[int, int]:
    """The row's first inked column and one past its last."""
    columns = np.flatnonzero(row.sum(axis=0) > 0.8)
    return (0, 1) if len(columns) == 0 else (int(columns[0]), int(columns[-1]) + 1)


def window(row: np.ndarray, start: int, end: int, out: np.ndarray) -> None:
    """The row between two columns, cropped to its ink's height, resized to SIDE × SIDE, and its shape."""
    crop = row[:, start:end]
    lines = np.flatnonzero(crop.sum(axis=1) > 0.8)
    crop = crop[lines[0] : lines[-1] + 1] if len(lines) else crop[:1]
    height, width = crop.shape
    resized = Image.fromarray(np.ascontiguousarray(crop, dtype=np.float32), mode="F").resize(
        (SIDE, SIDE), Image.Resampling.BILINEAR
    )
    out[: SIDE * SIDE] = np.asarray(resized).ravel()
    out[SIDE * SIDE :] = (width / 50, height / 50, width / max(height, 1), crop.sum() / max(width * height, 1))


def windows_of(row: np.ndarray) -> tuple[int, int, np.ndarray]:
    """The row's inked span, and every window over it: (start, end) pairs."""
    left, right = extent(row)
    pairs = [
        (start, start + width)
        for start in range(max(0, left - 2), right, STEP)
        for width in range(NARROWEST, WIDEST + 1, STEP)
        if start + width <= right + 3
    ]
    return left, right, np.array(pairs, dtype=np.int64).reshape(-1, 2)


def features(row: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    out = np.empty((len(pairs), SIDE * SIDE + SCALARS), dtype=np.float32)
    for index, (start, end) in enumerate(pairs):
        window(row, int(start), min(int(end), row.shape[1]), out[index])
    return out


def training_windows(
    chars: list[int], spans: list[tuple[int, int]], junk: int, rng: random.Random
) -> list[tuple[int, int, int]]:
    """Windows of one row with their labels: each character's true span jittered (three times), and around it
    windows that are no character: its halves, shifted or widened copies, it with its neighbour, random spans."""
    out: list[tuple[int, int, int]] = []
    for index, (char, (x0, x1)) in enumerate(zip(chars, spans, strict=True)):
        out += [(x0 + rng.randint(-2, 2), x1 + rng.randint(-2, 2), char) for _ in range(3)]
        middle = (x0 + x1) // 2
        shift = rng.choice([-1, 1]) * rng.randint(6, 16)
        others = [
            (x0, middle + rng.randint(-3, 3)),
            (middle + rng.randint(-3, 3), x1),
            (x0 + rng.choice([-1, 1]) * rng.randint(6, 16), x1 + rng.randint(-3, 3)),
            (x0 + rng.randint(-3, 3), x1 + rng.choice([-1, 1]) * rng.randint(6, 16)),
            (x0 + shift, x1 + shift),
        ]
        if index + 1 < len(spans):
            y0, y1 = spans[index + 1]
            others += [(x0, y1), (middle, (y0 + y1) // 2), (x0 + rng.randint(0, 4), y0 + rng.randint(0, 6))]
        if index > 0:
            others.append((spans[index - 1][1] - rng.randint(0, 6), x1))
        low, high = spans[0][0] - 10, spans[-1][1] + 10
        for _ in range(3):
            start = rng.randint(low, high - 12)
            others.append((start, start + rng.randint(10, 90)))
        for start, end in others:  # junk only when clearly no character's span
            if end - start >= 8 and all(
                max(abs(start - e0), abs(end - e1)) > max(5, 0.15 * (e1 - e0)) for e0, e1 in spans
            ):
                out.append((start, end, junk))
    return out


@dataclass
class Chain:
    score: float
    windows: list[int]  # indexes into the row's windows, left to right


def chains(left: int, right: int, pairs: np.ndarray, score: np.ndarray) -> dict[int, Chain]:
    """For k = 1..KMAX, the best chain of k windows covering the row: the first starts at its first inked
    column, the last ends at its last one (TOLERANCE pixels either way), each next window starts between
    BACK of the previous one and GAP pixels past its end."""
    starts, ends = pairs[:, 0], pairs[:, 1]
    low, high = starts + BACK * (ends - starts), ends + GAP
    firsts = np.unique(starts)
    before = {s: np.flatnonzero((low <= s) & (s <= high)) for s in firsts}
    at = {s: starts == s for s in firsts}
    last = np.flatnonzero(ends >= right - TOLERANCE)
    best = np.where(starts <= left + TOLERANCE, score, -np.inf)
    backs: list[np.ndarray] = []
    found: dict[int, Chain] = {}
    for k in range(1, KMAX + 1):
        if k > 1:
            reached, came = np.full(len(pairs), -np.inf), np.zeros(len(pairs), dtype=np.int64)
            for s in firsts:
                if len(before[s]):
                    previous = before[s][np.argmax(best[before[s]])]
                    reached[at[s]], came[at[s]] = best[previous], previous
            best = reached + score
            backs.append(came)
        if len(last) and np.isfinite(best[last]).any():
            end = int(last[np.argmax(best[last])])
            path = [end]
            for came in reversed(backs):
                path.append(int(came[path[-1]]))
            found[k] = Chain(float(best[end]), path[::-1])
    return found


@dataclass
class Forward:
    """The fitted MLP's forward pass in float32 (relu), with its standardisation: log-probabilities."""

    weights: list[np.ndarray]
    biases: list[np.ndarray]
    mean: np.ndarray
    scale: np.ndarray
    classes: np.ndarray

    def log_probabilities(self, rows: np.ndarray) -> np.ndarray:
        hidden = (rows - self.mean) / self.scale
        for layer, (weight, bias) in enumerate(zip(self.weights, self.biases, strict=True)):
            hidden = hidden @ weight + bias
            if layer < len(self.weights) - 1:
                np.maximum(hidden, 0, out=hidden)
        hidden -= hidden.max(axis=1, keepdims=True)
        out: np.ndarray = hidden - np.log(np.exp(hidden).sum(axis=1, keepdims=True))
        return out


WIPE = 0  # pieces of ink smaller than this (pixels) wiped first: clutter apart from the text (--wipe)


def _ink(png: bytes) -> np.ndarray:
    ink = coverage(np.asarray(Image.open(io.BytesIO(png)).convert("RGB")))
    if WIPE:  # with their anti-aliased rims
        labels, count = ndimage.label(ink > 0.5, np.ones((3, 3)))
        sizes = np.bincount(labels.ravel(), minlength=count + 1)
        small = np.isin(labels, np.flatnonzero(sizes < WIPE)) & (labels > 0)
        ink[ndimage.binary_dilation(small, iterations=2) & ~(labels > 0) | small] = 0
    return ink


@dataclass
class WindowsSolver:
    """`counts`: the counts of characters each row may have together, as the generator draws them (row by
    row); `layout_of(answer, png)`: for a training picture, each row's characters and their columns."""

    alphabet: str
    counts: tuple[tuple[int, ...], ...]
    layout_of: Callable[[str, bytes], Layout]
    seed: int = 0
    rows: np.ndarray = field(init=False, repr=False)
    labels: np.ndarray = field(init=False, repr=False)
    forward: Forward | None = field(default=None, init=False, repr=False)

    def warm(self, samples: Labelled) -> None:
        """The labelled windows of the training pictures (pixels kept as bytes: 4,000 pictures make 500,000)."""
        rng, junk = random.Random(self.seed * 7 + 1), len(self.alphabet)
        pixels: list[np.ndarray] = []
        scalars: list[np.ndarray] = []
        labels: list[int] = []
        for answer, png in samples:
            layout = self.layout_of(answer, png)
            for row, placed in zip(rows_of_ink(_ink(png), len(layout)), layout, strict=True):
                if not placed:
                    continue
                chars = [self.alphabet.index(char) for char, _, _ in placed]
                spans = [(x0, x1) for _, x0, x1 in placed]
                found = [
                    (max(0, a), min(row.shape[1], b), label)
                    for a, b, label in training_windows(chars, spans, junk, rng)
                ]
                found = [(a, b, label) for a, b, label in found if b - a >= 6]
                out = features(row, np.array([(a, b) for a, b, _ in found], dtype=np.int64).reshape(-1, 2))
                pixels.append(np.clip(out[:, : SIDE * SIDE] * 255, 0, 255).astype(np.uint8))
                scalars.append(out[:, SIDE * SIDE :])
                labels += [label for _, _, label in found]
        self.rows = np.concatenate([np.vstack(pixels).astype(np.float32) / 255, np.vstack(scalars)], axis=1)
        self.labels = np.array(labels, dtype=np.int16)

    def fit(self, samples: Labelled) -> None:
        if not hasattr(self, "rows"):
            self.warm(samples)
        mean, scale = self.rows.mean(axis=0), self.rows.std(axis=0) + 1e-3
        mlp = MLPClassifier(
            hidden_layer_sizes=(HIDDEN,),
            batch_size=256,
            learning_rate_init=1e-3,
            alpha=1e-4,
            max_iter=60,
            early_stopping=True,
            validation_fraction=0.05,
            n_iter_no_change=4,
            random_state=self.seed,
        )
        mlp.fit((self.rows - mean) / scale, self.labels)
        self.forward = Forward(
            [w.astype(np.float32) for w in mlp.coefs_],
            [b.astype(np.float32) for b in mlp.intercepts_],
            mean.astype(np.float32),
            scale.astype(np.float32),
            np.asarray(mlp.classes_),
        )
        del self.rows, self.labels  # hundreds of megabytes

    def _row_chains(self, row: np.ndarray) -> tuple[dict[int, Chain], np.ndarray]:
        """The best chains of the row, and each window's probabilities over the alphabet."""
        assert self.forward is not None, "fit first"
        left, right, pairs = windows_of(row)
        if not len(pairs):
            return {}, np.zeros((0, len(self.alphabet)))
        logs = np.full((len(pairs), len(self.alphabet)), -np.inf, dtype=np.float32)
        known = self.forward.log_probabilities(features(row, pairs))
        for column, label in enumerate(self.forward.classes):
            if label < len(self.alphabet):
                logs[:, label] = known[:, column]
        probabilities = np.exp(logs)
        return chains(left, right, pairs, logs.max(axis=1)), probabilities / probabilities.sum(axis=1, keepdims=True)

    def read(self, png: bytes) -> np.ndarray | None:
        """Per character, probabilities over the alphabet; None when no allowed counts chain over the rows."""
        rows = len(self.counts[0])
        found = [self._row_chains(row) for row in rows_of_ink(_ink(png), rows)]
        best, chosen = -np.inf, None
        for counts in self.counts:
            if all(k in per_row for k, (per_row, _) in zip(counts, found, strict=True)):
                total = sum(per_row[k].score for k, (per_row, _) in zip(counts, found, strict=True))
                if total > best:
                    best, chosen = total, counts
        if chosen is None:
            return None
        return np.vstack(
            [probabilities[per_row[k].windows] for k, (per_row, probabilities) in zip(chosen, found, strict=True)]
        )
