"""Pictures of two rows of text (bench/captcha_attack.py): split into rows, each row read as a picture.

`split_rows` finds the path of least ink from the left edge to the right one (a seam, by dynamic programming,
moving at most two pixels up or down per column, kept in the middle band of the picture) and makes of each
side a picture of its own (the other side painted with the ground). Baselines that wave or tilt do not stop
it, unlike a horizontal projection. `RowsSolver` gives each row to a solver of one row (its counts those a
row may have), trained on the rows of the training pictures labelled by replaying the generator's split of
the answer, and lays the rows' readings one after the other.
"""

import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

import numpy as np
from PIL import Image
from scipy import ndimage

Labelled = list[tuple[str, bytes]]
STEP = 2  # pixels up or down per column
BAND = (0.25, 0.75)  # of the height: where the seam may run


class RowReader(Protocol):
    def warm(self, samples: Labelled) -> None: ...

    def fit(self, samples: Labelled) -> None: ...

    def read(self, png: bytes) -> np.ndarray | None: ...


def seam(dark: np.ndarray) -> np.ndarray:
    """For each column, the row of the path of least ink between the two rows of text."""
    height, width = dark.shape
    low, high = int(height * BAND[0]), int(height * BAND[1])
    # Ink costs; so does straying from the middle of the band a little (ties go to the middle).
    band = ndimage.uniform_filter(dark, size=3)[low:high] + 1e-3 * np.abs(np.arange(low, high) - height / 2)[:, None]
    total = band[:, 0].copy()
    came = np.zeros(band.shape, dtype=np.int32)
    for column in range(1, width):
        options = np.full((2 * STEP + 1, high - low), np.inf)
        for k, move in enumerate(range(-STEP, STEP + 1)):
            shifted = np.roll(total, move)
            if move > 0:
                shifted[:move] = np.inf
            elif move < 0:
                shifted[move:] = np.inf
            options[k] = shifted
        best = options.argmin(axis=0)
        came[:, column] = np.arange(high - low) - (best - STEP)
        total = options[best, np.arange(high - low)] + band[:, column]
    path = np.empty(width, dtype=np.int32)
    path[-1] = int(total.argmin())
    for column in range(width - 1, 0, -1):
        path[column - 1] = came[path[column], column]
    return path + low


def _png(pixels: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels.astype(np.uint8)).save(out, format="PNG", compress_level=1)
    return out.getvalue()


@lru_cache(maxsize=8192)
def split_rows(png: bytes) -> tuple[bytes, bytes]:
    """The picture above the seam and the picture below it, each with the other side painted as ground."""
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.float64)
    grey = pixels @ np.array([0.299, 0.587, 0.114])
    ground = np.median(pixels.reshape(-1, 3), axis=0)
    dark = np.clip((np.median(grey) - grey) / max(1.0, np.median(grey) - np.percentile(grey, 1)), 0, 1)
    path = seam(dark)
    below = np.arange(pixels.shape[0])[:, None] >= path[None, :]
    top, bottom = pixels.copy(), pixels.copy()
    top[below], bottom[~below] = ground, ground
    return _png(top), _png(bottom)


@dataclass
class RowsSolver:
    """A solver of one row, given each row of a two-row picture; `rows_of(answer, png)` says, for a training
    picture, the part of its answer each row shows (the generator replayed)."""

    inner: RowReader
    rows_of: Callable[[str, bytes], list[str]]

    def _labelled(self, samples: Labelled) -> Labelled:
        return [
            (part, row)
            for answer, png in samples
            for part, row in zip(self.rows_of(answer, png), split_rows(png), strict=True)
        ]

    def warm(self, samples: Labelled) -> None:
        self.inner.warm(self._labelled(samples))

    def fit(self, samples: Labelled) -> None:
        self.inner.fit(self._labelled(samples))

    def read(self, png: bytes) -> np.ndarray | None:
        readings = [self.inner.read(row) for row in split_rows.__wrapped__(png)]  # from scratch: its CPU counts
        return None if any(r is None for r in readings) else np.vstack([r for r in readings if r is not None])
