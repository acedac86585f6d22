"""Synthetic occlusion: paste random opaque shapes onto the input crop."""
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmpose.registry import TRANSFORMS


@TRANSFORMS.register_module()
class RandomSyntheticOcclusion(BaseTransform):
    """Occlude random regions of the image with rectangles or ellipses.

    A stand-in for pasting object cut-outs (as in Sarandi et al., "Synthetic
    occlusion augmentation"): each occluder is a rectangle or ellipse of
    random size, aspect ratio and position, filled with a random colour or
    uniform noise.  Keypoint labels (2D and 3D) are left unchanged: the model
    has to infer occluded joints.  Use it after ``TopdownAffine`` so the
    area is relative to the person crop.

    Required Keys:
        - img

    Modified Keys:
        - img

    Args:
        prob (float): Probability of occluding an image. Defaults to 0.5.
        max_occluders (int): Up to this many occluders (at least one).
            Defaults to 3.
        area_range (tuple[float]): Area of each occluder as a fraction of the
            image. Defaults to ``(0.02, 0.15)``.
        aspect_range (tuple[float]): Height/width ratio range, sampled
            log-uniformly. Defaults to ``(0.3, 3.3)``.
        fill (str): ``'colour'`` (uniform random colour), ``'noise'``
            (per-pixel noise) or ``'random'`` (either). Defaults to
            ``'random'``.
    """

    FILLS = ('colour', 'noise', 'random')

    def __init__(self,
                 prob: float = 0.5,
                 max_occluders: int = 3,
                 area_range: Sequence[float] = (0.02, 0.15),
                 aspect_range: Sequence[float] = (0.3, 3.3),
                 fill: str = 'random') -> None:
        super().__init__()
        if not 0 <= prob <= 1:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        if max_occluders < 1:
            raise ValueError(
                f'max_occluders must be >= 1, got {max_occluders}')
        if not 0 < area_range[0] <= area_range[1] <= 1:
            raise ValueError(f'area_range must be 0 < lo <= hi <= 1, got '
                             f'{area_range}')
        if not 0 < aspect_range[0] <= aspect_range[1]:
            raise ValueError(f'aspect_range must be 0 < lo <= hi, got '
                             f'{aspect_range}')
        if fill not in self.FILLS:
            raise ValueError(f'fill must be one of {self.FILLS}, got {fill!r}')
        self.prob = prob
        self.max_occluders = max_occluders
        self.area_range = tuple(area_range)
        self.aspect_range = tuple(aspect_range)
        self.fill = fill

    def _occluder(self, h: int, w: int) -> Tuple[np.ndarray, bool]:
        """Random boolean mask ``(h, w)`` and whether to fill with noise."""
        area = np.random.uniform(*self.area_range) * h * w
        aspect = np.exp(np.random.uniform(*np.log(self.aspect_range)))
        oh = int(round(min(h, np.sqrt(area * aspect))))
        ow = int(round(min(w, np.sqrt(area / aspect))))
        oh, ow = max(oh, 1), max(ow, 1)
        y0 = np.random.randint(0, h - oh + 1)
        x0 = np.random.randint(0, w - ow + 1)
        mask = np.zeros((h, w), dtype=np.uint8)
        if np.random.rand() < 0.5:
            mask[y0:y0 + oh, x0:x0 + ow] = 1
        else:
            centre = (x0 + ow // 2, y0 + oh // 2)
            cv2.ellipse(mask, centre, (max(ow // 2, 1), max(oh // 2, 1)),
                        float(np.random.uniform(0, 180)), 0, 360, 1, -1)
        noise = (self.fill == 'noise'
                 or (self.fill == 'random' and np.random.rand() < 0.5))
        return mask.astype(bool), noise

    def transform(self, results: dict) -> Optional[dict]:
        if np.random.rand() >= self.prob:
            return results
        img = results['img']
        h, w = img.shape[:2]
        channels = img.shape[2:]
        img = img.copy()
        for _ in range(np.random.randint(1, self.max_occluders + 1)):
            mask, noise = self._occluder(h, w)
            if noise:
                patch = np.random.randint(
                    0, 256, size=(h, w) + channels).astype(img.dtype)
                img[mask] = patch[mask]
            else:
                img[mask] = np.random.randint(
                    0, 256, size=channels or (1, )).astype(img.dtype)
        results['img'] = img
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(prob={self.prob}, '
                f'max_occluders={self.max_occluders}, '
                f'area_range={self.area_range}, '
                f'aspect_range={self.aspect_range}, fill={self.fill!r})')
