"""A sound solver that needs no silence between the spoken pieces (bench/captcha_attack.py): windows.

Trained with the moments each part of the answer starts in its training clips (the adapter replays the
generator's first steps, as an attacker holding the source can), it learns two things from windows of 0.6 s
of log-mel spectrogram (each band normalised over the clip, against the random tone curve):
- an onset detector: does the voice start a part of the answer here (the murmur's and the rivals' onsets, the
  instruction and the pauses being the counter-examples);
- a classifier of what is said from that moment (a character, or a number from 10 to 99).
A clip is read by choosing, by dynamic programming, as many onsets as the layout has spoken parts, in order
and at least as far apart as any two were in training, where the detector is most confident; then the
classifier reads a window at each one, and the sayings of a part are combined as for the energy cut.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.signal import stft
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from bench.captcha_solvers_sound import Labelled, _mel_bank, per_position, samples

HOP_S, WINDOW, STEP = 0.01, 60, 4  # frames of 10 ms; a window of 0.6 s, averaged by 4 frames
Timing = list[tuple[float, float]]  # (start, end) in seconds of each spoken piece of the layout


def frames(wav: bytes) -> np.ndarray:
    """Log-mel every 10 ms, each band normalised over the clip, padded with a window of zeros at the end."""
    clip, rate = samples(wav)
    hop = int(rate * HOP_S)
    _, _, spectrum = stft(clip, fs=rate, nperseg=256, noverlap=256 - hop)
    power = np.abs(spectrum) ** 2
    logmel = np.log(_mel_bank(rate, power.shape[0]) @ power + 1e-8).T
    logmel = (logmel - logmel.mean(axis=0)) / (logmel.std(axis=0) + 1e-6)
    return np.vstack([logmel, np.zeros((WINDOW, logmel.shape[1]))])


def window(grid: np.ndarray, at: int) -> np.ndarray:
    part = grid[at : at + WINDOW]
    return np.asarray(part.reshape(WINDOW // STEP, STEP, -1).mean(axis=1).ravel())


def best_onsets(score: np.ndarray, count: int, spacing: int) -> list[int]:
    """`count` frames in order, each at least `spacing` after the one before, maximising the summed score."""
    size = len(score)
    total = np.full((count, size), -np.inf)
    came = np.zeros((count, size), dtype=int)
    total[0] = score
    for k in range(1, count):
        prefix = np.maximum.accumulate(total[k - 1])
        where, best = np.zeros(size, dtype=int), 0
        for i in range(size):  # where the best so far is
            best = i if total[k - 1][i] > total[k - 1][best] else best
            where[i] = best
        before = np.arange(size) - spacing
        ok = before >= 0
        total[k, ok] = score[ok] + prefix[before[ok]]
        came[k, ok] = where[before[ok]]
    chosen = [int(np.argmax(total[-1]))]
    for k in range(count - 1, 0, -1):
        chosen.append(int(came[k, chosen[-1]]))
    return chosen[::-1]


@dataclass
class WindowSoundSolver:
    alphabet: str
    length: int
    layout: list[tuple[int, int] | None]
    timing: Callable[[bytes], Timing | None]  # from the adapter; training clips only
    seed: int = 0
    scaler: StandardScaler = field(default_factory=StandardScaler)
    detector: MLPClassifier | None = None
    reader: MLPClassifier | None = None
    spacing: int = 10**6
    trained_on: int = 0

    def warm(self, labelled: Labelled) -> None:
        """Nothing read twice here: one solver of this family."""

    def _examples(self, labelled: Labelled) -> tuple[list[np.ndarray], list[bool], list[str]]:
        rows, onsets, labels = [], [], []
        rng = np.random.default_rng(self.seed)
        for answer, wav in labelled:
            timing = self.timing(wav)
            if timing is None or len(timing) != len(self.layout):
                continue
            grid, self.trained_on = frames(wav), self.trained_on + 1
            starts = [int(start / HOP_S) for (start, _), said in zip(timing, self.layout, strict=True) if said]
            said_parts = [answer[said[0] : said[1]] for said in self.layout if said is not None]
            self.spacing = min(self.spacing, int(0.8 * np.diff(starts).min())) if len(starts) > 1 else 0
            for start, part in zip(starts, said_parts, strict=True):
                for at in range(max(0, start - 2), start + 3):
                    rows.append(window(grid, at))
                    onsets.append(True)
                    labels.append(part)
            distance = np.abs(np.arange(len(grid) - WINDOW)[:, None] - np.array(starts)[None, :]).min(axis=1)
            far = np.flatnonzero(distance > 6)
            for at in rng.choice(far, size=min(len(far), 4 * len(starts)), replace=False):
                rows.append(window(grid, int(at)))
                onsets.append(False)
                labels.append("")
        return rows, onsets, labels

    def fit(self, labelled: Labelled) -> None:
        rows, onsets, labels = self._examples(labelled)
        table = self.scaler.fit_transform(np.stack(rows))
        self.detector = MLPClassifier((64,), alpha=1e-3, max_iter=200, early_stopping=True, random_state=self.seed)
        self.detector.fit(table, onsets)
        said = np.array(onsets)
        self.reader = MLPClassifier((256,), alpha=1e-3, max_iter=300, early_stopping=True, random_state=self.seed)
        self.reader.fit(table[said], np.array(labels)[said])

    def read(self, wav: bytes) -> np.ndarray | None:
        assert self.detector is not None
        assert self.reader is not None
        grid = frames(wav)
        table = self.scaler.transform(np.stack([window(grid, at) for at in range(len(grid) - WINDOW)]))
        onset = self.detector.predict_proba(table)[:, list(self.detector.classes_).index(True)]
        score = np.log(onset + 1e-6) - np.log(1 - onset + 1e-6)
        parts = sum(said is not None for said in self.layout)
        chosen = best_onsets(score, parts, max(1, self.spacing))
        known = np.log(self.reader.predict_proba(table[chosen]) + 1e-6)
        rows = iter(known)
        laid = [next(rows) if said is not None else np.zeros(known.shape[1]) for said in self.layout]
        return per_position(np.stack(laid), self.reader.classes_, self.layout, self.length, self.alphabet)
