"""How many characters a picture holds, when the generator does not say (bench/captcha_attack.py).

A picture solver that cuts the text into as many slices as characters must first know how many. Two clues:
- `LengthEstimator`, trained on the labelled pictures: the ink's overall shape (the inked span, the text's
  height, how much ink, the column profile over the span and over the whole picture) -> a gradient-boosted
  classifier's probability of each possible count;
- the reading itself: slices that are whole characters are read with confidence, a wrong count cuts them
  badly. `chosen_length` adds the two, weighted as `LengthChoice` learned on held-out training pictures.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

Labelled = list[tuple[str, bytes]]  # (answer, PNG)

PROFILE_BINS = 24


def shape_features(dark: np.ndarray) -> np.ndarray:
    """What the ink's shape says of the count, without reading a character."""
    columns, rows = dark.sum(axis=0), dark.sum(axis=1)
    total = max(1e-6, float(columns.sum()))
    column_mass, row_mass = np.cumsum(columns) / total, np.cumsum(rows) / total
    left, right = np.searchsorted(column_mass, [0.01, 0.99])
    top, bottom = np.searchsorted(row_mass, [0.05, 0.95])
    width, height = float(right - left + 1), float(bottom - top + 1)
    span = columns[left : right + 1] if left < len(columns) else np.zeros(2)  # a piece with no ink at all
    over_span = np.interp(np.linspace(0, len(span) - 1, PROFILE_BINS), np.arange(len(span)), span) / total
    over_picture = np.array([part.sum() for part in np.array_split(columns, PROFILE_BINS // 2)]) / total
    smooth = np.convolve(span, np.ones(5) / 5, mode="same")
    valleys = np.sum((smooth[1:-1] < smooth[:-2]) & (smooth[1:-1] <= smooth[2:]) & (smooth[1:-1] < 0.5 * smooth.max()))
    strokes = float((dark > 0.5).sum()) / max(1.0, float((dark > 0.5).any(axis=0).sum()))
    return np.concatenate(
        [[width, height, total, width / height, total / height**2, valleys, strokes], over_span, over_picture]
    )


@dataclass
class LengthEstimator:
    """P(count | the ink's shape), trained on labelled pictures; certain when only one count is possible."""

    lengths: tuple[int, ...]
    seed: int = 0
    fitted: HistGradientBoostingClassifier | None = None

    def fit(self, rows: Sequence[np.ndarray], counts: Sequence[int]) -> None:
        if len(self.lengths) > 1:
            self.fitted = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05, random_state=self.seed)
            self.fitted.fit(np.stack(rows), list(counts))

    def probabilities(self, row: np.ndarray) -> dict[int, float]:
        if self.fitted is None:
            return {length: 1.0 / len(self.lengths) for length in self.lengths}
        known = dict(zip(self.fitted.classes_.tolist(), self.fitted.predict_proba(row[None])[0], strict=True))
        return {length: float(known.get(length, 0.0)) + 1e-6 for length in self.lengths}


@dataclass
class LengthChoice:
    """The count chosen from the estimator's probability and the reading's confidence (the mean, over the
    slices, of the log of the most likely character): log P(count) + weight × count × mean. The weight is the
    one that solves most held-out training pictures."""

    weight: float = 1.0
    tried: dict[float, int] = field(default_factory=dict)

    def chosen(self, prior: dict[int, float], confidence: dict[int, float]) -> int:
        return max(confidence, key=lambda n: np.log(prior[n]) + self.weight * n * confidence[n])

    def tune(self, cases: Sequence[tuple[dict[int, float], dict[int, float], dict[int, bool]]]) -> None:
        """`cases`: for each held-out picture, the estimator's probabilities, the confidence of each count's
        reading, and whether that count's reading is the right answer."""
        best, kept = -1, self.weight
        for weight in (0.0, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 1e3):
            self.weight = weight
            solved = sum(right[self.chosen(prior, seen)] for prior, seen, right in cases if seen)
            self.tried[weight] = solved
            if solved > best:
                best, kept = solved, weight
        self.weight = kept


# ---- solvers that read each possible count and choose --------------------------------------------------

HELD_OUT = 0.2  # of the training pictures, to learn the weight of LengthChoice before fitting on them all


class ReadsEachCount(Protocol):
    alphabet: str
    lengths: tuple[int, ...]
    choice: LengthChoice

    def fit_once(self, samples: Labelled) -> None: ...

    def readings(self, png: bytes, *, cached: bool = True) -> tuple[dict[int, float], dict[int, np.ndarray]]:
        """The estimator's probability of each count, and the solver's reading of the picture cut into that
        many characters (counts it could not cut into left out); `cached=False` for a challenge, read from
        scratch so that its CPU counts."""
        ...


def confidence(probabilities: np.ndarray) -> float:
    return float(np.log(probabilities.max(axis=1)).mean())


def read_choosing(solver: ReadsEachCount, png: bytes, *, cached: bool = True) -> np.ndarray | None:
    prior, readings = solver.readings(png, cached=cached)
    if not readings:
        return None
    return readings[solver.choice.chosen(prior, {n: confidence(p) for n, p in readings.items()})]


def fit_choosing(solver: ReadsEachCount, samples: Labelled) -> None:
    """One count: fitted on every sample. Several: fitted on most of them, the choice's weight tuned on the
    rest, then fitted again on them all (the attacker's 2,000 pictures all teach the classifier)."""
    if len(solver.lengths) > 1:
        cut = int(len(samples) * (1 - HELD_OUT))
        solver.fit_once(samples[:cut])
        cases = []
        for answer, png in samples[cut:]:
            prior, readings = solver.readings(png)
            right = {n: "".join(solver.alphabet[i] for i in p.argmax(axis=1)) == answer for n, p in readings.items()}
            cases.append((prior, {n: confidence(p) for n, p in readings.items()}, right))
        solver.choice.tune(cases)
    solver.fit_once(samples)
