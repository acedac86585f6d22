"""Per-channel colour scaling (the integral-regression colour augmentation)."""
from typing import Optional, Sequence

import numpy as np
from mmcv.transforms import BaseTransform
from mmpose.registry import TRANSFORMS


@TRANSFORMS.register_module()
class RandomChannelColorScale(BaseTransform):
    """Multiply every colour channel by its own random factor.

    Each channel ``c`` of the image is scaled by ``s_c ~ U(lo, hi)`` (drawn
    independently per channel and image) and clipped to the dtype's range
    (``[0, 255]`` for ``uint8``, rounded); labels are unchanged. This is the
    colour augmentation of Sun et al.'s integral regression (factors in
    ``[0.8, 1.2]``).

    Required Keys:
        - img ``(H, W, C)``

    Modified Keys:
        - img

    Added Keys:
        - color_scale ``(C,)``: the factors used (ones when not applied)

    Args:
        scale_range (sequence[float]): ``(lo, hi)`` of the factors, with
            ``0 <= lo <= hi``. Defaults to ``(0.8, 1.2)``.
        prob (float): Probability of scaling an image. Defaults to 1.
    """

    def __init__(self, scale_range: Sequence[float] = (0.8, 1.2),
                 prob: float = 1.0) -> None:
        super().__init__()
        if len(scale_range) != 2 or not 0 <= scale_range[0] <= scale_range[1]:
            raise ValueError('RandomChannelColorScale: scale_range must be '
                             f'(lo, hi) with 0 <= lo <= hi, got {scale_range}')
        if not 0 <= prob <= 1:
            raise ValueError(
                f'RandomChannelColorScale: prob must be in [0, 1], got {prob}')
        self.scale_range = (float(scale_range[0]), float(scale_range[1]))
        self.prob = prob

    def transform(self, results: dict) -> Optional[dict]:
        img = results['img']
        channels = img.shape[2] if img.ndim == 3 else 1
        if np.random.rand() >= self.prob:
            results['color_scale'] = np.ones(channels, dtype=np.float32)
            return results
        scale = np.random.uniform(*self.scale_range, size=channels)
        out = img.astype(np.float32) * scale.astype(np.float32)
        if np.issubdtype(img.dtype, np.integer):
            info = np.iinfo(img.dtype)
            out = np.clip(np.rint(out), info.min, info.max)
        results['img'] = out.astype(img.dtype)
        results['color_scale'] = scale.astype(np.float32)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(scale_range={self.scale_range}, '
                f'prob={self.prob})')
