"""Carry the root-relative depth as the third keypoint column."""
from typing import Optional

import numpy as np
from mmcv.transforms import BaseTransform
from mmpose.registry import TRANSFORMS


@TRANSFORMS.register_module()
class AppendRootRelativeDepth(BaseTransform):
    """Append the depth relative to the root joint to ``keypoints``.

    MMPose's geometric transforms move only ``keypoints`` (``RandomFlip``
    mirrors ``x`` and swaps left/right joints, ``TopdownAffine`` maps ``x, y``
    and keeps further columns) and never touch ``keypoints_3d`` or
    ``lifting_target``.  Carrying the depth as ``keypoints[..., 2]`` keeps the
    3D label consistent under all of them:

    - horizontal flip: the depth moves with its joint when left/right joints
      are swapped and is not negated (a mirror about the image plane's
      vertical axis keeps every joint's distance to the camera);
    - in-plane rotation and scaling of the crop: ``(u, v)`` rotate, the depth
      (along the optical axis) is unchanged;
    - photometric changes and synthetic occlusion: labels unchanged.

    Place it after ``GetBBoxCenterScale`` and before ``RandomFlip``.  Samples
    without ``keypoints_3d`` (2D datasets such as MPII/COCO in a
    ``CombinedDataset``) are passed through with ``(N, K, 2)`` keypoints; the
    codec then gives them zero depth weight.

    Required Keys:
        - keypoints ``(N, K, 2)``
        - keypoints_3d ``(N, K, 3)`` (optional): camera coordinates in mm,
          absolute or root-relative

    Modified Keys:
        - keypoints -> ``(N, K, 3)``: ``(u, v, z - z_root)``

    Args:
        root_index (int): Index of the root (pelvis) joint. Defaults to 0.
        depth_key (str): Key of the 3D joints. Defaults to ``'keypoints_3d'``.
    """

    def __init__(self, root_index: int = 0,
                 depth_key: str = 'keypoints_3d') -> None:
        super().__init__()
        self.root_index = root_index
        self.depth_key = depth_key

    def transform(self, results: dict) -> Optional[dict]:
        kpts_3d = results.get(self.depth_key, None)
        if kpts_3d is None:
            return results
        keypoints = np.asarray(results['keypoints'])
        kpts_3d = np.asarray(kpts_3d)
        if keypoints.ndim != 3 or keypoints.shape[-1] not in (2, 3):
            raise ValueError(
                'AppendRootRelativeDepth: keypoints must be (N, K, 2), got '
                f'{keypoints.shape}')
        if kpts_3d.shape[:2] != keypoints.shape[:2] or kpts_3d.shape[-1] < 3:
            raise ValueError(
                f'AppendRootRelativeDepth: {self.depth_key} must be '
                f'{keypoints.shape[:2] + (3,)} to match keypoints '
                f'{keypoints.shape}, got {kpts_3d.shape}')
        depth = kpts_3d[..., 2] - kpts_3d[..., self.root_index, None, 2]
        results['keypoints'] = np.concatenate(
            [keypoints[..., :2], depth[..., None]],
            axis=-1).astype(np.float32)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(root_index={self.root_index}, '
                f'depth_key={self.depth_key!r})')
