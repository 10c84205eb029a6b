"""A picture solver that chooses its own cuts (bench/captcha_attack.py): scan and decode.

Crowded characters have no empty column between them and are not all as wide, so even slices cut some of them
in two. This solver starts from the colour-blind slice solver's classifier (even slices of the darkness,
thin strokes opened away), then, for every way of cutting the inked span into as many slices as characters
on a grid of 4 pixels (each slice 0.55 to 1.6 times the even width), scores each slice by how sure the
classifier is of it, and keeps the cutting with the best total (dynamic programming). Trained again on the
cuts that best fit the known answers of its training pictures (one round of hard EM), it learns glyphs
rather than even slices. When the count of characters varies, it decodes the picture for each possible count
and chooses one by the count estimator and the decoding's confidence.
"""

from dataclasses import dataclass, field

import numpy as np

from bench.captcha_solvers_picture import Labelled, SliceSolver, darkness, features_of, picture_shape, rgb
from bench.captcha_solvers_picture_length import LengthChoice, fit_choosing, read_choosing

GRID = 4
ROUNDS = 1  # of hard EM (a second round gained nothing at 300 samples)


def span(dark: np.ndarray) -> tuple[int, int]:
    mass = np.cumsum(dark.sum(axis=0)) / max(1e-6, float(dark.sum()))
    return int(np.searchsorted(mass, 0.01)), int(np.searchsorted(mass, 0.99)) + 1


def candidates(dark: np.ndarray, count: int) -> tuple[list[int], list[tuple[int, int]], list[np.ndarray]]:
    """Cut positions on the grid, and every slice between two of them of a plausible width, with features."""
    left, right = span(dark)
    step = max(1.0, (right - left) / count)
    cuts = sorted({*range(left, right, GRID), right})
    pairs, pieces = [], []
    for i, start in enumerate(cuts):
        for j in range(i + 1, len(cuts)):
            width = cuts[j] - start
            if width > 1.6 * step:
                break
            if width >= 0.55 * step:
                piece = dark[:, max(0, start - int(step * 0.15)) : cuts[j] + int(step * 0.15)]
                lines = np.nonzero(piece.sum(axis=1) > 0.5)[0]
                pairs.append((i, j))
                pieces.append(piece[lines.min() : lines.max() + 1] if len(lines) else piece)
    return cuts, pairs, features_of(pieces)


def decoded(scores: np.ndarray, pairs: list[tuple[int, int]], cuts: int) -> list[int] | None:
    """Consecutive slices from the first cut to the last, slice k scored by scores[k] (one value per pair),
    with the best summed score: their indexes in `pairs`, or None when no such cutting exists."""
    count = scores.shape[0]
    best = np.full((count + 1, cuts), -np.inf)
    came = np.full((count + 1, cuts), -1)
    best[0, 0] = 0.0
    for k in range(1, count + 1):
        for index, (i, j) in enumerate(pairs):
            if best[k - 1, i] + scores[k - 1, index] > best[k, j]:
                best[k, j], came[k, j] = best[k - 1, i] + scores[k - 1, index], index
    if not np.isfinite(best[count, cuts - 1]):
        return None
    chosen, at = [], cuts - 1
    for k in range(count, 0, -1):
        chosen.append(int(came[k, at]))
        at = pairs[chosen[-1]][0]
    return chosen[::-1]


@dataclass
class ScanSolver:
    """When the count varies: trained on each picture's own count; reads the picture cut into each possible
    count (the best cutting of each) and chooses (bench/captcha_solvers_picture_length.py)."""

    alphabet: str
    lengths: tuple[int, ...]
    kind: str = "mlp"
    seed: int = 0
    slices: SliceSolver = field(init=False)
    choice: LengthChoice = field(default_factory=LengthChoice)
    realigned: int = 0

    def __post_init__(self) -> None:
        self.slices = SliceSolver(self.alphabet, self.lengths, self.kind, self.seed)

    def warm(self, samples: Labelled) -> None:
        self.slices.warm(samples)

    def _scored(
        self, dark: np.ndarray, length: int
    ) -> tuple[list[int], list[tuple[int, int]], list[np.ndarray], np.ndarray]:
        cuts, pairs, rows = candidates(dark, length)
        logs = np.log(self.slices.classifier.probabilities(rows)) if rows else np.zeros((0, len(self.alphabet)))
        return cuts, pairs, rows, logs

    def fit(self, samples: Labelled) -> None:
        fit_choosing(self, samples)

    def fit_once(self, samples: Labelled) -> None:
        self.slices.fit_once(samples)  # even slices and the count's estimator; the choice is this solver's own
        for _ in range(ROUNDS):
            self._realign(samples)

    def _realign(self, samples: Labelled) -> None:
        rows, labels, self.realigned = [], [], 0
        for answer, png in samples:
            cuts, pairs, found, logs = self._scored(darkness(rgb(png)), len(answer))
            columns = [self.alphabet.index(char) for char in answer]
            fits = decoded(logs[:, columns].T, pairs, len(cuts)) if pairs else None  # the answer, in order
            if fits is not None:
                rows += [found[index] for index in fits]
                labels += list(answer)
                self.realigned += 1
        self.slices.classifier.fit(rows, labels)

    def readings(self, png: bytes, *, cached: bool = True) -> tuple[dict[int, float], dict[int, np.ndarray]]:
        dark, read = darkness(rgb(png)), {}
        for length in self.lengths:
            cuts, pairs, _, logs = self._scored(dark, length)
            chosen = decoded(np.tile(logs.max(axis=1), (length, 1)), pairs, len(cuts)) if pairs else None
            if chosen is not None:
                read[length] = np.exp(logs[chosen])
        shape = picture_shape(png) if cached else picture_shape.__wrapped__(png)
        return self.slices.estimator.probabilities(shape), read

    def read(self, png: bytes) -> np.ndarray | None:
        return read_choosing(self, png, cached=False)
