"""Random image backgrounds: procedural noise, gradients, stripes, real crops.

Everything is vectorised (numpy / OpenCV resizes); a 256 x 256 background takes
well under a millisecond to a few milliseconds.
"""
import glob
import os.path as osp
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np

BACKGROUND_KINDS = ('noise', 'gradient', 'stripes', 'photo')

#: Image files searched (recursively) under a background folder.
_PHOTO_PATTERNS = ('*.jpg', '*.jpeg', '*.png')


def find_background_photos(folder: Optional[str]) -> List[str]:
    """Sorted image paths under ``folder`` (``[]`` if it is ``None`` or
    missing)."""
    if not folder or not osp.isdir(folder):
        return []
    paths = set()
    for pattern in _PHOTO_PATTERNS:
        paths.update(
            glob.glob(osp.join(folder, '**', pattern), recursive=True))
    return sorted(paths)


def load_photos(paths: Sequence[str],
                max_side: int = 640) -> List[np.ndarray]:
    """Decode photos (BGR uint8), downscaled so that no side exceeds
    ``max_side``.

    Raises:
        FileNotFoundError: a path cannot be read as an image.
    """
    photos = []
    for path in paths:
        img = cv2.imread(path, cv2.IMREAD_COLOR)
        if img is None:
            raise FileNotFoundError(f'background photo {path!r} is not a '
                                    'readable image')
        s = max_side / max(img.shape[:2])
        if s < 1:
            img = cv2.resize(img, None, fx=s, fy=s,
                             interpolation=cv2.INTER_AREA)
        photos.append(img)
    return photos


def _random_color(rng: np.random.Generator) -> np.ndarray:
    return rng.uniform(0, 255, 3)


def _grid(h: int, w: int) -> Tuple[np.ndarray, np.ndarray]:
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    return ys / max(h - 1, 1), xs / max(w - 1, 1)


def noise_background(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """Two octaves of smooth value noise, (h, w, 3) uint8."""
    out = np.zeros((h, w, 3), np.float32)
    for cells, amp in ((int(rng.integers(2, 6)), 1.0),
                       (int(rng.integers(8, 24)), 0.35)):
        grid = rng.uniform(0, 255, (cells, cells, 3)).astype(np.float32)
        out += amp * cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC)
    out /= 1.35
    return np.clip(out, 0, 255).astype(np.uint8)


def gradient_background(rng: np.random.Generator, h: int,
                        w: int) -> np.ndarray:
    """A linear gradient between two colours at a random angle."""
    ys, xs = _grid(h, w)
    a = rng.uniform(0, 2 * np.pi)
    t = np.cos(a) * xs + np.sin(a) * ys
    t = (t - t.min()) / max(float(t.max() - t.min()), 1e-6)
    c0, c1 = _random_color(rng), _random_color(rng)
    out = c0 + t[..., None] * (c1 - c0)
    return np.clip(out, 0, 255).astype(np.uint8)


def stripes_background(rng: np.random.Generator, h: int,
                       w: int) -> np.ndarray:
    """Sharp or soft stripes (sometimes crossed into a checkerboard)."""
    ys, xs = _grid(h, w)
    a = rng.uniform(0, np.pi)
    period = rng.uniform(0.04, 0.3)
    wave = np.sin(2 * np.pi * (np.cos(a) * xs + np.sin(a) * ys) / period +
                  rng.uniform(0, 2 * np.pi))
    if rng.uniform() < 0.3:
        wave = wave * np.sin(2 * np.pi *
                             (-np.sin(a) * xs + np.cos(a) * ys) / period)
    sharpness = rng.uniform(1, 8)
    t = 0.5 + 0.5 * np.tanh(sharpness * wave)
    c0, c1 = _random_color(rng), _random_color(rng)
    out = c0 + t[..., None] * (c1 - c0)
    return np.clip(out, 0, 255).astype(np.uint8)


def photo_background(rng: np.random.Generator, h: int, w: int,
                     photos: Sequence[np.ndarray]) -> np.ndarray:
    """A random crop of a random photo, flipped, resized, colour-jittered and
    often blurred."""
    img = photos[int(rng.integers(len(photos)))]
    ph, pw = img.shape[:2]
    frac = rng.uniform(0.3, 1.0)
    ch = max(8, int(frac * ph))
    cw = max(8, min(pw, int(ch * w / h)))
    y0 = int(rng.integers(0, ph - ch + 1))
    x0 = int(rng.integers(0, pw - cw + 1))
    crop = img[y0:y0 + ch, x0:x0 + cw]
    if rng.uniform() < 0.5:
        crop = crop[:, ::-1]
    crop = cv2.resize(np.ascontiguousarray(crop), (w, h),
                      interpolation=cv2.INTER_LINEAR).astype(np.float32)
    crop = crop * rng.uniform(0.6, 1.2, 3) + rng.uniform(-30, 30, 3)
    if rng.uniform() < 0.5:
        crop = cv2.GaussianBlur(crop, (0, 0), rng.uniform(1.0, 3.0))
    return np.clip(crop, 0, 255).astype(np.uint8)


class BackgroundSampler:
    """Draws a random background of one of :data:`BACKGROUND_KINDS`.

    Args:
        photos (list[np.ndarray]): decoded BGR photos for the ``'photo'`` kind;
            without photos that kind is never drawn.
        kinds (sequence[str]): kinds to draw from (uniformly).
    """

    def __init__(self,
                 photos: Sequence[np.ndarray] = (),
                 kinds: Sequence[str] = BACKGROUND_KINDS):
        unknown = set(kinds) - set(BACKGROUND_KINDS)
        if unknown:
            raise ValueError(f'unknown background kinds {sorted(unknown)}; '
                             f'expected a subset of {BACKGROUND_KINDS}')
        self.photos = list(photos)
        self.kinds = tuple(k for k in kinds if k != 'photo' or self.photos)
        if not self.kinds:
            raise ValueError('no background kind available (photo needs '
                             'photos)')

    def __call__(self, rng: np.random.Generator, h: int,
                 w: int) -> np.ndarray:
        """Returns a (h, w, 3) uint8 BGR background."""
        kind = self.kinds[int(rng.integers(len(self.kinds)))]
        if kind == 'noise':
            return noise_background(rng, h, w)
        if kind == 'gradient':
            return gradient_background(rng, h, w)
        if kind == 'stripes':
            return stripes_background(rng, h, w)
        return photo_background(rng, h, w, self.photos)
