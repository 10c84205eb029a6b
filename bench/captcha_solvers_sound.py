"""Sound solvers of the reference attack (bench/captcha_attack.py): they learn from labelled clips.

The clip is cut into spoken pieces by an energy threshold tuned per clip until it finds the number of pieces
the generator's layout says (an introduction, the characters, "je répète", the characters again...); each
piece is described by its log-mel spectrogram (resampled to a fixed number of frames) and its MFCC means and
spreads; a classifier (SVC, or MLP) trained on the pieces of clips that split as expected gives each piece
probabilities over the alphabet; the sayings of one character are combined by adding log-probabilities.
"""

import io
import wave
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from scipy.fft import dct
from scipy.signal import stft
from sklearn.preprocessing import StandardScaler

from bench.captcha_solvers_common import Model, model

Labelled = list[tuple[str, bytes]]
Segment = tuple[int, int]  # first and last+1 frame of the envelope
HOP_S = 0.01  # envelope: 10 ms hops of 20 ms windows
MEL_BANDS, FRAMES = 24, 16


def samples(wav: bytes) -> tuple[np.ndarray, int]:
    with wave.open(io.BytesIO(wav)) as clip:
        data = np.frombuffer(clip.readframes(clip.getnframes()), dtype="<i2").astype(np.float32) / 32768
        return data, clip.getframerate()


def envelope(clip: np.ndarray, rate: int) -> np.ndarray:
    """Loudness in dB, every 10 ms."""
    hop = int(rate * HOP_S)
    frames = (len(clip) - 2 * hop) // hop
    index = np.arange(2 * hop)[None, :] + hop * np.arange(max(0, frames))[:, None]
    return np.asarray(10 * np.log10((clip[index] ** 2).mean(axis=1) + 1e-10))


def pieces(loud: np.ndarray, threshold: float, *, gap: int = 20, shortest: int = 8) -> list[Segment]:
    """Runs above the threshold, joined across gaps under `gap` frames, at least `shortest` frames long."""
    on = np.concatenate([[False], loud > threshold, [False]])
    edges = np.flatnonzero(np.diff(on.astype(np.int8)))
    found: list[Segment] = []
    for start, end in zip(edges[::2], edges[1::2], strict=True):
        if found and start - found[-1][1] < gap:
            found[-1] = (found[-1][0], int(end))
        else:
            found.append((int(start), int(end)))
    return [segment for segment in found if segment[1] - segment[0] >= shortest]


def tuned(loud: np.ndarray, expected: int) -> list[Segment]:
    """The threshold (from loud to quiet) in the middle of the widest range that gives `expected` pieces;
    failing that, the one that comes closest."""
    thresholds = np.arange(loud.max() - 3, loud.max() - 45, -0.5)
    counts = np.array([len(pieces(loud, threshold)) for threshold in thresholds])
    hits = np.flatnonzero(counts == expected)
    if not len(hits):
        return pieces(loud, thresholds[int(np.argmin(np.abs(counts - expected)))])
    runs = np.split(hits, np.flatnonzero(np.diff(hits) > 1) + 1)
    widest = max(runs, key=len)
    return pieces(loud, thresholds[widest[len(widest) // 2]])


def fitted(found: list[Segment], expected: int) -> list[Segment]:
    """Exactly `expected` pieces: the shortest dropped, or the longest cut in two."""
    found = list(found)
    while len(found) > expected:
        found.pop(min(range(len(found)), key=lambda i: found[i][1] - found[i][0]))
    while found and len(found) < expected:
        longest = max(range(len(found)), key=lambda i: found[i][1] - found[i][0])
        start, end = found[longest]
        found[longest : longest + 1] = [(start, (start + end) // 2), ((start + end) // 2, end)]
    return found


def _mel_bank(rate: int, size: int) -> np.ndarray:
    def mel(hz: np.ndarray) -> np.ndarray:
        return np.asarray(2595 * np.log10(1 + hz / 700))

    edges = 700 * (10 ** (np.linspace(0, mel(np.array(rate / 2)), MEL_BANDS + 2) / 2595) - 1)
    bins = np.linspace(0, rate / 2, size)
    low, centre, high = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising, falling = (bins - low) / (centre - low), (high - bins) / (high - centre)
    return np.asarray(np.maximum(0, np.minimum(rising, falling)))


def features(clip: np.ndarray, rate: int, segment: Segment) -> np.ndarray:
    """Log-mel spectrogram over FRAMES steps, MFCC means and spreads, and the length of the piece."""
    hop = int(rate * HOP_S)
    part = clip[max(0, segment[0] * hop - hop * 3) : segment[1] * hop + hop * 5]
    _, _, spectrum = stft(part, fs=rate, nperseg=256, noverlap=256 - hop)
    power = np.abs(spectrum) ** 2
    logmel = np.log(_mel_bank(rate, power.shape[0]) @ power + 1e-8)
    steps = np.linspace(0, logmel.shape[1] - 1, FRAMES)
    grid = np.stack([np.interp(steps, np.arange(logmel.shape[1]), band) for band in logmel])
    mfcc = dct(logmel, axis=0, norm="ortho")[:13]
    shape = [np.log(segment[1] - segment[0])]
    return np.concatenate([(grid - grid.mean()).ravel(), mfcc.mean(axis=1), mfcc.std(axis=1), shape])


@lru_cache(maxsize=4096)  # the SVC and the MLP read the same clips: described once
def described(wav: bytes, expected: int) -> tuple[list[np.ndarray], bool]:
    """The features of `expected` pieces of the clip, and whether the threshold found exactly that many."""
    clip, rate = samples(wav)
    found = tuned(envelope(clip, rate), expected)
    exact = len(found) == expected
    return [features(clip, rate, segment) for segment in fitted(found, expected)], exact


@dataclass
class SoundSolver:
    """`layout`: for each spoken piece in order, the part of the answer it says, as (start, stop) (None: not
    part of the answer). Each such part is one class of the classifier: a character, or a number."""

    alphabet: str
    length: int
    layout: list[tuple[int, int] | None]
    kind: str = "svc"
    seed: int = 0
    scaler: StandardScaler = field(default_factory=StandardScaler)
    model: Model | None = None
    trained_on: int = 0

    def warm(self, labelled: Labelled) -> None:
        """Reads the training clips once, for every solver of this family."""
        for _, wav in labelled:
            described(wav, len(self.layout))

    def fit(self, labelled: Labelled) -> None:
        rows, labels = [], []
        for answer, wav in labelled:
            rows_of_clip, exact = described(wav, len(self.layout))
            if not exact:
                continue
            self.trained_on += 1
            for row, said in zip(rows_of_clip, self.layout, strict=True):
                if said is not None:
                    rows.append(row)
                    labels.append(answer[said[0] : said[1]])
        self.model = model(self.kind, self.seed).fit(self.scaler.fit_transform(np.stack(rows)), labels)

    def read(self, wav: bytes) -> np.ndarray | None:
        assert self.model is not None
        rows, _ = described.__wrapped__(wav, len(self.layout))  # read from scratch: its CPU counts
        if len(rows) != len(self.layout):
            return None
        known = np.log(self.model.predict_proba(self.scaler.transform(np.stack(rows))) + 1e-6)
        return per_position(known, self.model.classes_, self.layout, self.length, self.alphabet)


def per_position(
    known: np.ndarray, classes: np.ndarray, layout: list[tuple[int, int] | None], length: int, alphabet: str
) -> np.ndarray:
    """From the log-probabilities of each spoken piece (rows, over `classes`: characters or numbers) to
    probabilities per position of the answer: the sayings of one part of the answer added, then for each
    character the likeliest part that has it there (max-marginals: the likeliest part is read as it is)."""
    sayings: dict[tuple[int, int], np.ndarray] = {}
    for row, said in zip(known, layout, strict=True):
        if said is not None:
            sayings[said] = sayings.get(said, 0) + row
    out = np.full((length, len(alphabet)), 1e-9)
    for (start, _), total in sayings.items():
        likely = np.exp(total - total.max())
        for token, p in zip(classes, likely, strict=True):
            for offset, char in enumerate(token):
                column = alphabet.index(char)
                out[start + offset, column] = max(out[start + offset, column], p)
    return np.asarray(out / out.sum(axis=1, keepdims=True))
