"""Synthetic occlusion: paste object cut-outs or random shapes on the crop."""
import os
import os.path as osp
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmpose.registry import TRANSFORMS


def load_occluders(folder: str) -> List[np.ndarray]:
    """Read every RGBA ``.png`` cut-out of ``folder`` (sorted by name).

    Args:
        folder (str): Folder of 4-channel PNGs (e.g. written by
            ``tools/dataset_converters/extract_voc_occluders.py``).

    Returns:
        list[np.ndarray]: ``(h, w, 4)`` uint8 arrays, colour in BGR order
        (as ``LoadImage`` gives the image) and alpha last.
    """
    if not osp.isdir(folder):
        raise FileNotFoundError(
            f'RandomSyntheticOcclusion: occluder_dir {folder!r} is not a '
            'folder (expected RGBA .png cut-outs, see tools/'
            'dataset_converters/extract_voc_occluders.py)')
    names = sorted(n for n in os.listdir(folder) if n.lower().endswith('.png'))
    occluders = []
    for name in names:
        path = osp.join(folder, name)
        occ = cv2.imread(path, cv2.IMREAD_UNCHANGED)
        if occ is None or occ.ndim != 3 or occ.shape[2] != 4:
            shape = None if occ is None else occ.shape
            raise ValueError(
                f'RandomSyntheticOcclusion: {path} must be an RGBA PNG '
                f'(H, W, 4), got {shape}')
        if occ.dtype != np.uint8:
            raise ValueError(f'RandomSyntheticOcclusion: {path} must be 8-bit,'
                             f' got {occ.dtype}')
        occluders.append(occ)
    if not occluders:
        raise ValueError(f'RandomSyntheticOcclusion: occluder_dir {folder!r} '
                         'holds no .png cut-outs')
    return occluders


@TRANSFORMS.register_module()
class RandomSyntheticOcclusion(BaseTransform):
    """Occlude the crop with object cut-outs or random shapes.

    Synthetic occlusion after Sarandi et al. ("How robust is 3D human pose
    estimation to occlusion?"): with probability ``prob`` an image gets
    ``min_occluders .. max_occluders`` occluders at uniformly random
    positions. Two sources:

    - ``occluder_dir`` given: RGBA cut-outs (e.g. Pascal VOC objects
      extracted by ``tools/dataset_converters/extract_voc_occluders.py``),
      each resized by ``s * min(H, W) / reference_size`` with
      ``s ~ U(scale_range)``, its centre placed uniformly in the image and
      alpha-blended (cut at the borders);
    - otherwise random shapes from ``shapes`` (``'rectangle'``,
      ``'ellipse'``, ``'polygon'``: a random star-shaped polygon of 3-10
      vertices) whose area is a fraction ``U(area_range)`` of the image,
      filled per ``fill`` (``'colour'``: a uniform colour, ``'noise'``:
      per-pixel noise, ``'texture'``: a colour with random sinusoidal
      stripes and noise, ``'random'``: one of colour/noise).

    Keypoint labels (2D and 3D) are unchanged: the model has to infer
    occluded joints. Use it after ``TopdownAffine`` so the sizes are
    relative to the person crop.

    Required Keys:
        - img ``(H, W, C)``

    Modified Keys:
        - img

    Added Keys:
        - occlusion_mask ``(H, W)`` bool: the pixels an occluder covers
          (all False when the image was not occluded); only those change.

    Args:
        prob (float): Probability of occluding an image. Defaults to 0.5.
        max_occluders (int): At most this many occluders. Defaults to 3.
        min_occluders (int): At least this many occluders. Defaults to 1.
        area_range (tuple[float]): Area of each random shape as a fraction of
            the image. Defaults to ``(0.02, 0.15)``.
        aspect_range (tuple[float]): Height/width ratio range of random
            shapes, sampled log-uniformly. Defaults to ``(0.3, 3.3)``.
        fill (str): Fill of random shapes: ``'colour'``, ``'noise'``,
            ``'texture'`` or ``'random'``. Defaults to ``'random'``.
        shapes (sequence[str]): Random shapes to draw from. Defaults to
            ``('rectangle', 'ellipse')``.
        occluder_dir (str, optional): Folder of RGBA ``.png`` cut-outs; when
            given, cut-outs are pasted instead of random shapes.
        scale_range (tuple[float]): Cut-out scale factor range. Defaults to
            ``(0.2, 1.0)`` (Sarandi et al.).
        reference_size (int): Crop size for which a cut-out keeps its pixel
            size at scale 1. Defaults to 256.
    """

    FILLS = ('colour', 'noise', 'texture', 'random')
    SHAPES = ('rectangle', 'ellipse', 'polygon')

    def __init__(self,
                 prob: float = 0.5,
                 max_occluders: int = 3,
                 area_range: Sequence[float] = (0.02, 0.15),
                 aspect_range: Sequence[float] = (0.3, 3.3),
                 fill: str = 'random',
                 shapes: Sequence[str] = ('rectangle', 'ellipse'),
                 min_occluders: int = 1,
                 occluder_dir: Optional[str] = None,
                 scale_range: Sequence[float] = (0.2, 1.0),
                 reference_size: int = 256) -> None:
        super().__init__()
        if not 0 <= prob <= 1:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        if not 1 <= min_occluders <= max_occluders:
            raise ValueError('need 1 <= min_occluders <= max_occluders, got '
                             f'{min_occluders} and {max_occluders}')
        if not 0 < area_range[0] <= area_range[1] <= 1:
            raise ValueError(f'area_range must be 0 < lo <= hi <= 1, got '
                             f'{area_range}')
        if not 0 < aspect_range[0] <= aspect_range[1]:
            raise ValueError(f'aspect_range must be 0 < lo <= hi, got '
                             f'{aspect_range}')
        if fill not in self.FILLS:
            raise ValueError(f'fill must be one of {self.FILLS}, got {fill!r}')
        shapes = tuple(shapes)
        if not shapes or any(s not in self.SHAPES for s in shapes):
            raise ValueError(
                f'shapes must be a non-empty subset of {self.SHAPES}, got '
                f'{shapes}')
        if not 0 < scale_range[0] <= scale_range[1]:
            raise ValueError(f'scale_range must be 0 < lo <= hi, got '
                             f'{scale_range}')
        if reference_size < 1:
            raise ValueError(
                f'reference_size must be >= 1, got {reference_size}')
        self.prob = prob
        self.max_occluders = max_occluders
        self.min_occluders = min_occluders
        self.area_range = tuple(area_range)
        self.aspect_range = tuple(aspect_range)
        self.fill = fill
        self.shapes = shapes
        self.occluder_dir = occluder_dir
        self.scale_range = tuple(scale_range)
        self.reference_size = reference_size
        self._occluders: Optional[List[np.ndarray]] = None
        if occluder_dir is not None:  # fail early on a bad folder
            self._occluders = load_occluders(occluder_dir)

    # ------------------------------------------------------------------
    # random shapes
    # ------------------------------------------------------------------
    def _shape_mask(self, h: int, w: int) -> np.ndarray:
        """Random boolean mask ``(h, w)`` of one shape."""
        area = np.random.uniform(*self.area_range) * h * w
        aspect = np.exp(np.random.uniform(*np.log(self.aspect_range)))
        oh = int(round(min(h, np.sqrt(area * aspect))))
        ow = int(round(min(w, np.sqrt(area / aspect))))
        oh, ow = max(oh, 1), max(ow, 1)
        y0 = np.random.randint(0, h - oh + 1)
        x0 = np.random.randint(0, w - ow + 1)
        mask = np.zeros((h, w), dtype=np.uint8)
        if self.shapes == ('rectangle', 'ellipse'):  # the original draw
            shape = 'rectangle' if np.random.rand() < 0.5 else 'ellipse'
        else:
            shape = self.shapes[np.random.randint(len(self.shapes))]
        if shape == 'rectangle':
            mask[y0:y0 + oh, x0:x0 + ow] = 1
        elif shape == 'ellipse':
            centre = (x0 + ow // 2, y0 + oh // 2)
            cv2.ellipse(mask, centre, (max(ow // 2, 1), max(oh // 2, 1)),
                        float(np.random.uniform(0, 180)), 0, 360, 1, -1)
        else:
            n = np.random.randint(3, 11)
            angles = np.sort(np.random.uniform(0, 2 * np.pi, n))
            radii = np.random.uniform(0.5, 1.0, n)
            xs = x0 + ow / 2 + radii * np.cos(angles) * ow / 2
            ys = y0 + oh / 2 + radii * np.sin(angles) * oh / 2
            pts = np.round(np.stack([xs, ys], -1)).astype(np.int32)
            cv2.fillPoly(mask, [pts], 1)
        return mask.astype(bool)

    def _texture(self, h: int, w: int, channels: tuple) -> np.ndarray:
        """A random colour with sinusoidal stripes and noise, ``(h, w, C)``."""
        c = channels[0] if channels else 1
        base = np.random.uniform(0, 255, size=c)
        amp = np.random.uniform(20, 80, size=c)
        freq = np.random.uniform(0.05, 0.5)
        theta = np.random.uniform(0, np.pi)
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        wave = np.sin(freq * (xx * np.cos(theta) + yy * np.sin(theta)) +
                      np.random.uniform(0, 2 * np.pi))
        tex = base + amp * wave[..., None] + np.random.normal(
            0, 10, size=(h, w, c))
        tex = np.clip(tex, 0, 255)
        return tex if channels else tex[..., 0]

    def _paste_shape(self, img: np.ndarray, covered: np.ndarray) -> None:
        h, w = img.shape[:2]
        channels = img.shape[2:]
        mask = self._shape_mask(h, w)
        fill = self.fill
        if fill == 'random':
            fill = 'noise' if np.random.rand() < 0.5 else 'colour'
        if fill == 'noise':
            patch = np.random.randint(0, 256, size=(h, w) + channels)
            img[mask] = patch.astype(img.dtype)[mask]
        elif fill == 'texture':
            img[mask] = self._texture(h, w, channels).astype(img.dtype)[mask]
        else:
            img[mask] = np.random.randint(
                0, 256, size=channels or (1, )).astype(img.dtype)
        covered |= mask

    # ------------------------------------------------------------------
    # cut-outs
    # ------------------------------------------------------------------
    def _paste_cutout(self, img: np.ndarray, covered: np.ndarray) -> None:
        h, w = img.shape[:2]
        occ = self._occluders[np.random.randint(len(self._occluders))]
        factor = np.random.uniform(*self.scale_range) * min(h, w) / \
            self.reference_size
        oh = max(int(round(occ.shape[0] * factor)), 1)
        ow = max(int(round(occ.shape[1] * factor)), 1)
        # resize colour premultiplied by alpha, so the transparent pixels'
        # colour does not bleed into the edges (no dark fringes)
        interp = cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR
        alpha_full = occ[..., 3].astype(np.float32) / 255.
        premult = occ[..., :3].astype(np.float32) * alpha_full[..., None]
        alpha_full = cv2.resize(alpha_full, (ow, oh), interpolation=interp)
        premult = cv2.resize(premult, (ow, oh), interpolation=interp)
        alpha_full = np.clip(alpha_full.reshape(oh, ow), 0., 1.)
        colour_full = premult.reshape(oh, ow, 3) / np.maximum(
            alpha_full, 1e-6)[..., None]
        cx, cy = np.random.uniform(0, w), np.random.uniform(0, h)
        x0, y0 = int(round(cx - ow / 2)), int(round(cy - oh / 2))
        # the part of the cut-out inside the image
        ix0, iy0 = max(x0, 0), max(y0, 0)
        ix1, iy1 = min(x0 + ow, w), min(y0 + oh, h)
        if ix0 >= ix1 or iy0 >= iy1:
            return
        crop = (slice(iy0 - y0, iy1 - y0), slice(ix0 - x0, ix1 - x0))
        alpha = alpha_full[crop][..., None]
        colour = np.clip(colour_full[crop], 0, 255)
        if img.ndim == 2:
            colour = colour @ np.array([0.114, 0.587, 0.299],
                                       np.float32)[:, None]  # BGR -> grey
        region = img[iy0:iy1, ix0:ix1]
        src = region.astype(np.float32).reshape(alpha.shape[:2] + (-1, ))
        blended = alpha * colour + (1 - alpha) * src
        inside = alpha[..., 0] > 1e-3
        new = np.rint(blended).astype(img.dtype).reshape(region.shape)
        region[inside] = new[inside]
        covered[iy0:iy1, ix0:ix1] |= inside

    def transform(self, results: dict) -> Optional[dict]:
        img = results['img']
        covered = np.zeros(img.shape[:2], dtype=bool)
        if np.random.rand() >= self.prob:
            results['occlusion_mask'] = covered
            return results
        img = img.copy()
        num = np.random.randint(self.min_occluders, self.max_occluders + 1)
        for _ in range(num):
            if self._occluders is not None:
                self._paste_cutout(img, covered)
            else:
                self._paste_shape(img, covered)
        results['img'] = img
        results['occlusion_mask'] = covered
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(prob={self.prob}, '
                f'occluders={self.min_occluders}..{self.max_occluders}, '
                f'occluder_dir={self.occluder_dir!r}, '
                f'scale_range={self.scale_range}, '
                f'area_range={self.area_range}, shapes={self.shapes}, '
                f'aspect_range={self.aspect_range}, fill={self.fill!r})')
