"""MPJPE / PA-MPJPE in millimetres on root-relative 3D joints."""
from os import path as osp
from typing import Optional, Sequence

import numpy as np
from mmpose.evaluation.metrics import MPJPE
from mmpose.registry import METRICS


def image_to_camera(keypoints: np.ndarray, root_depth: float,
                    focal: Sequence[float],
                    centre: Sequence[float]) -> np.ndarray:
    """Back-project image keypoints with root-relative depth to the camera.

    Pinhole model without distortion (the inverse of the projection
    :class:`~mmposenas.datasets.Human36mImageDataset` uses for its 2D
    labels): ``Z = z_rel + Z_root``, ``X = (u - cx) Z / fx``,
    ``Y = (v - cy) Z / fy``.

    Args:
        keypoints (np.ndarray): ``(..., K, 3)``: ``u, v`` in image pixels and
            the depth relative to the root (mm).
        root_depth (float): Absolute depth of the root joint (mm).
        focal (sequence[float]): ``(fx, fy)`` in pixels.
        centre (sequence[float]): Principal point ``(cx, cy)`` in pixels.

    Returns:
        np.ndarray: ``(..., K, 3)`` camera coordinates in mm.
    """
    keypoints = np.asarray(keypoints, dtype=np.float64)
    fx, fy = np.asarray(focal, dtype=np.float64).reshape(2)
    cx, cy = np.asarray(centre, dtype=np.float64).reshape(2)
    z = keypoints[..., 2] + float(root_depth)
    x = (keypoints[..., 0] - cx) * z / fx
    y = (keypoints[..., 1] - cy) * z / fy
    return np.stack([x, y, z], axis=-1)


@METRICS.register_module()
class RootRelativeMPJPE(MPJPE):
    """MMPose's ``MPJPE`` on root-relative joints, in millimetres.

    Differences from :class:`mmpose.evaluation.MPJPE`:

    - ``pred_space='image'`` (default): predictions are ``(u, v)`` in image
      pixels plus the root-relative depth in mm (what
      :class:`~mmposenas.models.heads.VolumetricIntegralHead` and
      ``TopdownPoseEstimator`` produce); they are back-projected with the
      sample's ``camera_param`` (``f``, ``c``) and ground-truth root depth
      ``root_cam`` (standard protocol of root-relative estimation), then
      made root-relative.  ``pred_space='camera'``: predictions are already
      camera-space joints in mm and are only made root-relative.
    - The ground truth ``lifting_target`` is made root-relative and scaled
      by ``gt_unit_to_mm`` (1 for
      :class:`~mmposenas.datasets.Human36mImageDataset`, which stores mm;
      1000 for MMPose's own ``Human36mDataset`` in metres).
    - ``keypoint_indices`` selects the evaluated joints, e.g. ``range(17)``
      to drop the added thorax (joint 17) of the 18-joint layout.
    - ``mode='pa-mpjpe'`` is an alias of ``'p-mpjpe'`` (Procrustes
      alignment) reported as ``PA-MPJPE``.

    Reports ``<MODE>`` overall and ``<MODE>_<Action>`` per action (parsed
    from ``target_img_path``, which must be in the ``PackPoseInputs``
    ``meta_keys``), all in millimetres.

    Args:
        mode (str): ``'mpjpe'``, ``'p-mpjpe'``/``'pa-mpjpe'`` or
            ``'n-mpjpe'``. Defaults to ``'mpjpe'``.
        pred_space (str): ``'image'`` or ``'camera'``. Defaults to
            ``'image'``.
        keypoint_indices (sequence[int], optional): Evaluated joints.
            ``None``: all.
        root_index (int): Root joint for alignment. Defaults to 0.
        gt_unit_to_mm (float): Factor from the unit of ``lifting_target`` to
            millimetres. Defaults to 1.
        collect_device, prefix, skip_list: as in ``MPJPE``.
    """

    ALIGNMENT = dict(MPJPE.ALIGNMENT, **{'pa-mpjpe': 'procrustes'})
    PRED_SPACES = ('image', 'camera')

    def __init__(self,
                 mode: str = 'mpjpe',
                 pred_space: str = 'image',
                 keypoint_indices: Optional[Sequence[int]] = None,
                 root_index: int = 0,
                 gt_unit_to_mm: float = 1.0,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None,
                 skip_list: Sequence[str] = ()) -> None:
        super().__init__(
            mode=mode,
            collect_device=collect_device,
            prefix=prefix,
            skip_list=list(skip_list))
        if pred_space not in self.PRED_SPACES:
            raise ValueError(f'pred_space must be one of {self.PRED_SPACES}, '
                             f'got {pred_space!r}')
        self.pred_space = pred_space
        self.keypoint_indices = (None if keypoint_indices is None else
                                 [int(i) for i in keypoint_indices])
        self.root_index = int(root_index)
        self.gt_unit_to_mm = float(gt_unit_to_mm)

    @staticmethod
    def _field(data_sample: dict, key: str):
        """Read ``key`` from ``gt_instances`` or else from the metainfo."""
        gt = data_sample.get('gt_instances', {})
        if key in gt:
            return gt[key]
        if key in data_sample:
            return data_sample[key]
        raise KeyError(
            f'RootRelativeMPJPE needs {key!r} in gt_instances (pack it with '
            'the VolumetricIntegralLabel codec in GenerateTarget) or in the '
            'PackPoseInputs meta_keys')

    def _prediction_mm(self, data_sample: dict) -> np.ndarray:
        pred = np.asarray(data_sample['pred_instances']['keypoints'],
                          dtype=np.float64)
        if pred.ndim == 4:
            pred = pred[0]
        if pred.ndim == 2:
            pred = pred[None]
        if pred.shape[-1] != 3:
            raise ValueError('RootRelativeMPJPE needs 3D predictions '
                             f'(..., K, 3), got {pred.shape}')
        if self.pred_space == 'image':
            for key in ('camera_param', 'root_cam'):
                if key not in data_sample:
                    raise KeyError(
                        f'RootRelativeMPJPE(pred_space="image") needs {key!r}'
                        ' in the PackPoseInputs meta_keys')
            cam = data_sample['camera_param']
            root_depth = float(np.asarray(data_sample['root_cam']).reshape(
                -1)[2])
            pred = image_to_camera(pred, root_depth, cam['f'], cam['c'])
        return pred

    def process(self, data_batch: Sequence[dict],
                data_samples: Sequence[dict]) -> None:
        """Collect root-relative predictions and ground truth in mm."""
        for data_sample in data_samples:
            img_path = str(np.asarray(data_sample['target_img_path'])
                           .reshape(-1)[0])
            subj_act = osp.basename(img_path).split('.')[0]
            if subj_act in self.skip_list:
                continue
            _, rest = osp.basename(img_path).split('_', 1)
            action = rest.split('.', 1)[0]

            pred = self._prediction_mm(data_sample)
            gt = np.asarray(
                self._field(data_sample, 'lifting_target'),
                dtype=np.float64) * self.gt_unit_to_mm
            if gt.ndim == 2:
                gt = gt[None]
            mask = np.asarray(
                self._field(data_sample, 'lifting_target_visible')).astype(
                    bool).reshape(gt.shape[0], -1)
            if pred.shape[-2] != gt.shape[-2]:
                raise ValueError(
                    f'{img_path}: prediction has {pred.shape[-2]} joints, '
                    f'ground truth {gt.shape[-2]}')
            pred = pred - pred[..., self.root_index, None, :]
            gt = gt - gt[..., self.root_index, None, :]
            if self.keypoint_indices is not None:
                pred = pred[..., self.keypoint_indices, :]
                gt = gt[..., self.keypoint_indices, :]
                mask = mask[..., self.keypoint_indices]
            self.results.append({
                'pred_coords': pred,
                'gt_coords': gt,
                'mask': mask,
                'actions': np.array([action] * gt.shape[0]),
            })
