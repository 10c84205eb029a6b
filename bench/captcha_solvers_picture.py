"""Picture solvers of the reference attack (bench/captcha_attack.py): they learn from labelled pictures.

- `ColourSplitSolver`: each character is drawn in one text colour, so the picture is split by nearest text
  colour, a 4×4 closing then a 3×3 opening removes the thinner clutter, and the connected components, read
  left to right, go to an MLP trained on the glyphs of the training pictures that split into exactly as many
  pieces as the answer has characters.
- `SliceSolver`: ignores colour. The darkness of the picture, opened (thin strokes gone), is cut into as many
  slices as characters along its column profile; an MLP trained on slices labelled by position reads each
  one. It needs no clean segmentation: it learns the imperfect cuts it will meet.
When the generator varies the count of characters and does not say it, both read the picture as if it held
each possible count and choose one (bench/captcha_solvers_picture_length.py).
Both give, for each position, probabilities over the alphabet (for the "both" solver).
"""

import io
import itertools
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from PIL import Image
from scipy import ndimage
from sklearn.preprocessing import StandardScaler

from bench.captcha_solvers_common import Model, laid_over, model
from bench.captcha_solvers_picture_length import (
    LengthChoice,
    LengthEstimator,
    fit_choosing,
    read_choosing,
    shape_features,
)

Labelled = list[tuple[str, bytes]]


def rgb(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int32)


def hogs(pictures: np.ndarray, cell: int = 4, bins: int = 9) -> np.ndarray:
    """Histograms of gradient orientations over cells (a small HOG) of each picture of a stack, each cell
    normalised: one row per picture. The whole stack at once: the scan solver scores about a thousand slices
    per picture, and one call per slice made its training the longest part of CI's attack."""
    gy, gx = np.empty_like(pictures), np.empty_like(pictures)  # np.gradient's central differences, per picture
    gy[:, 1:-1], gy[:, 0], gy[:, -1] = (
        (pictures[:, 2:] - pictures[:, :-2]) / 2,
        pictures[:, 1] - pictures[:, 0],
        pictures[:, -1] - pictures[:, -2],
    )
    gx[:, :, 1:-1] = (pictures[:, :, 2:] - pictures[:, :, :-2]) / 2
    gx[:, :, 0], gx[:, :, -1] = pictures[:, :, 1] - pictures[:, :, 0], pictures[:, :, -1] - pictures[:, :, -2]
    magnitude, angle = np.hypot(gx, gy), np.mod(np.arctan2(gy, gx), np.pi)
    index = np.minimum((angle / np.pi * bins).astype(int), bins - 1)
    count, height, width = pictures.shape
    rows, columns = height // cell, width // cell
    cell_of = (np.arange(rows * cell) // cell)[:, None] * columns + (np.arange(columns * cell) // cell)[None, :]
    per_picture = rows * columns * bins
    slot = np.arange(count)[:, None, None] * per_picture + cell_of * bins + index[:, : rows * cell, : columns * cell]
    weights = magnitude[:, : rows * cell, : columns * cell]
    cells = np.bincount(slot.ravel(), weights=weights.ravel(), minlength=count * per_picture).astype(np.float32)
    cells = cells.reshape(count, rows, columns, bins)
    cells /= np.linalg.norm(cells, axis=3, keepdims=True) + 1e-3
    return cells.reshape(count, -1)


def features_of(patches: list[np.ndarray], size: int = 32) -> list[np.ndarray]:
    """Each patch (darkness 0..1) resized to size×size: its HOG, a coarse copy, and its shape."""
    if not patches:
        return []
    scaled = np.stack(
        [
            np.asarray(
                Image.fromarray((patch * 255).astype(np.uint8)).resize((size, size), Image.Resampling.BILINEAR),
                dtype=np.float32,
            )
            for patch in patches
        ]
    )
    coarse = scaled.reshape(len(patches), size // 4, 4, size // 4, 4).mean(axis=(2, 4)).reshape(len(patches), -1)
    shape = np.array([[p.shape[1] / 60, p.shape[0] / 60, p.shape[1] / max(1, p.shape[0])] for p in patches])
    return list(np.concatenate([hogs(scaled), coarse / 255, shape], axis=1))


def features(patch: np.ndarray, size: int = 32) -> np.ndarray:
    return features_of([patch], size)[0]


@dataclass
class _Classifier:
    """A classifier on standardised features; probabilities laid over the whole alphabet."""

    alphabet: str
    kind: str
    seed: int
    scaler: StandardScaler = field(default_factory=StandardScaler)
    fitted: Model | None = None

    def fit(self, rows: list[np.ndarray], labels: list[str]) -> None:
        self.fitted = model(self.kind, self.seed).fit(self.scaler.fit_transform(np.stack(rows)), labels)

    def probabilities(self, rows: list[np.ndarray]) -> np.ndarray:
        assert self.fitted is not None
        return laid_over(self.alphabet, self.fitted, self.fitted.predict_proba(self.scaler.transform(np.stack(rows))))


# ---- colour split --------------------------------------------------------------------------------------


def colour_masks(pixels: np.ndarray, colours: np.ndarray) -> list[np.ndarray]:
    """For each text colour, the pixels nearer to it than to any other colour or to the ground, cleaned."""
    ground = np.median(pixels.reshape(-1, 3), axis=0)
    references = np.vstack([colours, ground])
    distance = np.linalg.norm(pixels[:, :, None, :] - references[None, None], axis=3)
    nearest = np.argmin(distance, axis=2)
    close = np.min(distance, axis=2) < 80
    masks = []
    for index in range(len(colours)):
        mask = ndimage.binary_closing((nearest == index) & close, structure=np.ones((4, 4)))
        masks.append(ndimage.binary_opening(mask, structure=np.ones((3, 3))))
    return masks


@dataclass(frozen=True)
class Piece:
    top: int
    left: int
    colour: int
    mask: np.ndarray

    @property
    def right(self) -> int:
        return self.left + int(self.mask.shape[1])

    @property
    def bottom(self) -> int:
        return self.top + int(self.mask.shape[0])


def components(masks: list[np.ndarray], min_area: int = 40) -> list[Piece]:
    """Connected components of every colour, left to right."""
    found = []
    for colour, mask in enumerate(masks):
        labelled, _ = ndimage.label(mask)
        for number, area in enumerate(ndimage.find_objects(labelled), start=1):
            piece = labelled[area] == number if area is not None else np.zeros((0, 0), dtype=bool)
            if piece.sum() >= min_area:
                found.append(Piece(area[0].start, area[1].start, colour, piece.astype(np.float32)))
    return sorted(found, key=lambda piece: piece.left + piece.right)


def _joined(a: Piece, b: Piece) -> Piece:
    top, left = min(a.top, b.top), min(a.left, b.left)
    mask = np.zeros((max(a.bottom, b.bottom) - top, max(a.right, b.right) - left), dtype=np.float32)
    for piece in (a, b):
        area = mask[piece.top - top : piece.bottom - top, piece.left - left : piece.right - left]
        np.maximum(area, piece.mask, out=area)
    return Piece(top, left, a.colour, mask)


def regrouped(pieces: list[Piece]) -> list[Piece]:
    """Pieces of one colour lying over each other (a glyph cut by a curve of another colour) joined."""
    out: list[Piece] = []
    for piece in pieces:
        for index, other in enumerate(out):
            overlap = min(piece.right, other.right) - max(piece.left, other.left)
            if other.colour == piece.colour and overlap > 0.6 * min(piece.mask.shape[1], other.mask.shape[1]):
                out[index] = _joined(other, piece)
                break
        else:
            out.append(piece)
    return sorted(out, key=lambda piece: piece.left + piece.right)


def _split(piece: Piece) -> list[Piece]:
    width = piece.mask.shape[1]
    third = width // 3
    cut = third + int(np.argmin(piece.mask.sum(axis=0)[third : width - third])) if third else width // 2
    return [
        Piece(piece.top, piece.left, piece.colour, piece.mask[:, :cut]),
        Piece(piece.top, piece.left + cut, piece.colour, piece.mask[:, cut:]),
    ]


def exactly(pieces: list[Piece], count: int) -> list[Piece]:
    """As many pieces as characters: the smallest dropped, or the widest cut at its thinnest column."""
    pieces = list(pieces)
    while len(pieces) > count:
        pieces.pop(min(range(len(pieces)), key=lambda i: pieces[i].mask.sum()))
    while pieces and len(pieces) < count and max(p.mask.shape[1] for p in pieces) >= 8:
        widest = max(range(len(pieces)), key=lambda i: pieces[i].mask.shape[1])
        pieces[widest : widest + 1] = _split(pieces[widest])
    return pieces


@lru_cache(maxsize=4096)  # the SVC and the MLP read the same pictures: split once
def colour_rows(png: bytes, colours: bytes, length: int) -> tuple[list[np.ndarray], bool]:
    """The features of `length` pieces of the picture, and whether it split into exactly that many."""
    found = regrouped(
        [p for p in components(colour_masks(rgb(png), np.frombuffer(colours).reshape(-1, 3))) if p.mask.sum() >= 60]
    )
    return [features(piece.mask) for piece in exactly(found, length)], len(found) == length


@dataclass
class ColourSplitSolver:
    """Trained on every picture, its pieces made as many as the characters and labelled left to right (the
    pictures that split exactly alone gave fewer glyphs and did worse). When the count varies, the pieces are
    made as many as each possible count and the reading chosen (captcha_solvers_picture_length)."""

    alphabet: str
    lengths: tuple[int, ...]
    colours: np.ndarray
    kind: str = "svc"
    seed: int = 0
    classifier: _Classifier = field(init=False)
    estimator: LengthEstimator = field(init=False)
    choice: LengthChoice = field(default_factory=LengthChoice)
    exact: int = 0

    def __post_init__(self) -> None:
        self.classifier = _Classifier(self.alphabet, self.kind, self.seed)
        self.estimator = LengthEstimator(self.lengths, self.seed)

    def _rows(self, png: bytes, length: int, *, cached: bool = True) -> tuple[list[np.ndarray], bool]:
        rows = colour_rows if cached else colour_rows.__wrapped__
        return rows(png, self.colours.astype(np.float64).tobytes(), length)

    def warm(self, samples: Labelled) -> None:
        """Reads the training pictures once, for every solver of this family."""
        for answer, png in samples:
            self._rows(png, len(answer))

    def fit(self, samples: Labelled) -> None:
        fit_choosing(self, samples)

    def fit_once(self, samples: Labelled) -> None:
        rows, labels, self.exact = [], [], 0
        for answer, png in samples:
            found, exact = self._rows(png, len(answer))
            if len(found) == len(answer):
                rows += found
                labels += list(answer)
                self.exact += exact
        self.classifier.fit(rows, labels)
        self.estimator.fit([picture_shape(png) for _, png in samples], [len(answer) for answer, _ in samples])

    def readings(self, png: bytes, *, cached: bool = True) -> tuple[dict[int, float], dict[int, np.ndarray]]:
        readings = {}
        for length in self.lengths:
            found, _ = self._rows(png, length, cached=cached)
            if len(found) == length:
                readings[length] = self.classifier.probabilities(found)
        return self.estimator.probabilities(picture_shape(png)), readings

    def read(self, png: bytes) -> np.ndarray | None:
        # A challenge is read from scratch: its CPU counts.
        return read_choosing(self, png, cached=False)


# ---- slices, colour-blind ------------------------------------------------------------------------------


CLOSING = 0  # pixels of a closing before the opening (--closing: thin cuts of ground filled); 0: none


def darkness(pixels: np.ndarray) -> np.ndarray:
    """0 on the ground, 1 on the darkest ink; thin strokes (1 or 2 pixels) opened away (after thin gaps of
    ground are closed, with CLOSING)."""
    grey = pixels @ np.array([0.299, 0.587, 0.114])
    ground = np.median(grey)
    dark = np.clip((ground - grey) / max(1.0, ground - np.percentile(grey, 1)), 0, 1)
    if CLOSING:
        dark = ndimage.grey_closing(dark, size=(CLOSING, CLOSING))
    opened: np.ndarray = ndimage.grey_opening(dark, size=(3, 3))
    return opened


def slices(dark: np.ndarray, count: int) -> list[np.ndarray]:
    """`count` slices of the inked span, cut near even spacing at the emptiest columns, with a margin."""
    profile = ndimage.uniform_filter1d(dark.sum(axis=0), 5)
    mass = np.cumsum(profile) / max(1e-6, profile.sum())
    left, right = int(np.searchsorted(mass, 0.01)), int(np.searchsorted(mass, 0.99)) + 1
    step = max(1.0, (right - left) / count)
    cuts = [left]
    for index in range(1, count):
        around = int(left + index * step)
        low, high = max(cuts[-1] + 2, around - int(step / 4)), around + int(step / 4) + 1
        cuts.append(low + int(np.argmin(profile[low:high])) if high > low else around)
    cuts.append(right)
    margin = int(step * 0.15)
    out = []
    for start, end in itertools.pairwise(cuts):
        piece = dark[:, max(0, start - margin) : end + margin]
        rows = np.nonzero(piece.sum(axis=1) > 0.5)[0]
        out.append(piece[rows.min() : rows.max() + 1] if len(rows) else piece)
    return out


@lru_cache(maxsize=8192)
def slice_rows(png: bytes, length: int) -> list[np.ndarray]:
    return [features(piece) for piece in slices(darkness(rgb(png)), length)]


@lru_cache(maxsize=4096)
def picture_shape(png: bytes) -> np.ndarray:
    return shape_features(darkness(rgb(png)))


@dataclass
class SliceSolver:
    """Even slices read one by one. When the count varies, trained on each picture cut into its own count;
    reads the picture cut into each possible count and chooses (captcha_solvers_picture_length)."""

    alphabet: str
    lengths: tuple[int, ...]
    kind: str = "svc"
    seed: int = 0
    classifier: _Classifier = field(init=False)
    estimator: LengthEstimator = field(init=False)
    choice: LengthChoice = field(default_factory=LengthChoice)

    def __post_init__(self) -> None:
        self.classifier = _Classifier(self.alphabet, self.kind, self.seed)
        self.estimator = LengthEstimator(self.lengths, self.seed)

    def warm(self, samples: Labelled) -> None:
        for answer, png in samples:
            slice_rows(png, len(answer))
            picture_shape(png)

    def fit(self, samples: Labelled) -> None:
        fit_choosing(self, samples)

    def fit_once(self, samples: Labelled) -> None:
        rows, labels = [], []
        for answer, png in samples:
            rows += slice_rows(png, len(answer))
            labels += list(answer)
        self.classifier.fit(rows, labels)
        self.estimator.fit([picture_shape(png) for _, png in samples], [len(answer) for answer, _ in samples])

    def readings(self, png: bytes, *, cached: bool = True) -> tuple[dict[int, float], dict[int, np.ndarray]]:
        rows = slice_rows if cached else slice_rows.__wrapped__
        shape = picture_shape(png) if cached else picture_shape.__wrapped__(png)
        read = {length: self.classifier.probabilities(rows(png, length)) for length in self.lengths}
        return self.estimator.probabilities(shape), read

    def read(self, png: bytes) -> np.ndarray | None:
        return read_choosing(self, png, cached=False)
