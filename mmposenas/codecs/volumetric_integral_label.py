"""Codec between 3D keypoint labels and normalised volumetric coordinates."""
from typing import Optional, Sequence, Tuple

import numpy as np
from mmpose.codecs.base import BaseKeypointCodec
from mmpose.registry import KEYPOINT_CODECS


@KEYPOINT_CODECS.register_module()
class VolumetricIntegralLabel(BaseKeypointCodec):
    """Encode ``(u, v, z)`` keypoints into normalised volume coordinates.

    The label of a joint is its position ``(u, v)`` in the network input crop
    (pixels) and its depth ``z`` relative to the root joint (millimetres,
    camera z axis, positive away from the camera).  They map to the
    normalised coordinates that the soft-argmax of
    :class:`mmposenas.models.heads.VolumetricIntegralHead` regresses.

    Convention (centre of voxel, as in
    :mod:`mmposenas.models.utils.soft_argmax`):

    * Pixel centres sit at integer coordinates as everywhere in MMPose, so an
      input of width ``w`` spans ``[-0.5, w - 0.5]`` and a horizontal flip is
      ``u -> w - 1 - u``.  The normalised coordinate is
      ``x = (u + 0.5) / w`` (same for ``y`` with ``h``), i.e. the crop spans
      ``[0, 1]`` and the flip is exactly ``x -> 1 - x`` with no shift.
    * Depth: ``zn = z / depth_range + 0.5`` so ``[-depth_range / 2,
      +depth_range / 2]`` mm around the root spans ``[0, 1]``.
    * A volume of ``W`` voxels with stride ``s = w / W`` has voxel ``i``
      centred at ``x = (i + 0.5) / W``, i.e. ``u = (i + 0.5) * s - 0.5``:
      the centre of the input pixels the voxel covers. The encoding
      therefore does not depend on the volume resolution (``H, W, D``), only
      on the crop size and the depth range. (The original integral code
      divides ``i`` by ``W``, putting voxel ``i`` at its left edge, so a flip
      is off by one voxel; here that cannot happen.)
    * Test-time flip (the input crop mirrored, ``u -> w - 1 - u``) is
      ``x -> 1 - x``. Training-time ``RandomFlip`` mirrors the original image
      before ``TopdownAffine``; with MMPose's default (non-UDP) warp, which
      maps the box centre to ``w / 2``, that crop is the mirrored crop moved
      by one pixel, and the labels move with it, so they stay consistent
      with the image.

    Note:
        - instance number: N
        - keypoint number: K

    Encoded:
        - keypoint_labels (np.ndarray): ``(N, K, 3)`` normalised ``(x, y, z)``.
          For 2D-only keypoints the z label is 0.5 (root depth).
        - keypoint_weights (np.ndarray): ``(N, K)`` weights of the ``x, y``
          labels: 1 for visible keypoints inside the input crop.
        - keypoint_depth_weights (np.ndarray): ``(N, K)`` weights of the ``z``
          labels: 1 for visible keypoints that carry a depth (``D == 3``)
          inside the depth range; all 0 for 2D-only samples (MPII, COCO), so
          those supervise ``x, y`` only.

    Args:
        input_size (tuple): Network input size ``(w, h)`` in pixels.
        depth_range (float): Extent of the depth axis in millimetres,
            centred on the root joint. Defaults to 2000 (root +-1 m).
    """

    label_mapping_table = dict(
        keypoint_labels='keypoint_labels',
        keypoint_weights='keypoint_weights',
        keypoint_depth_weights='keypoint_depth_weights',
    )
    # PackPoseInputs uses this table instead of its default when a codec has
    # one, so the defaults are repeated and the 3D ground truth is added.
    instance_mapping_table = dict(
        bbox='bboxes',
        bbox_score='bbox_scores',
        keypoints='keypoints',
        keypoints_visible='keypoints_visible',
        bbox_scale='bbox_scales',
        head_size='head_size',
        lifting_target='lifting_target',
        lifting_target_visible='lifting_target_visible',
    )

    def __init__(self,
                 input_size: Sequence[int],
                 depth_range: float = 2000.0) -> None:
        super().__init__()
        if len(input_size) != 2 or min(input_size) <= 0:
            raise ValueError('VolumetricIntegralLabel: input_size must be '
                             f'(w, h) with positive sizes, got {input_size}')
        if depth_range <= 0:
            raise ValueError('VolumetricIntegralLabel: depth_range must be '
                             f'positive (mm), got {depth_range}')
        self.input_size = tuple(int(s) for s in input_size)
        self.depth_range = float(depth_range)

    def encode(self,
               keypoints: np.ndarray,
               keypoints_visible: Optional[np.ndarray] = None) -> dict:
        """Encode keypoints in input-crop space into normalised labels.

        Args:
            keypoints (np.ndarray): ``(N, K, 2)`` pixel coordinates in the
                input crop, or ``(N, K, 3)`` with the root-relative depth in
                millimetres as the third column.
            keypoints_visible (np.ndarray, optional): ``(N, K)`` visibility.

        Returns:
            dict: ``keypoint_labels`` ``(N, K, 3)``, ``keypoint_weights``
            ``(N, K)`` and ``keypoint_depth_weights`` ``(N, K)``.
        """
        keypoints = np.asarray(keypoints, dtype=np.float64)
        if keypoints.ndim != 3 or keypoints.shape[-1] not in (2, 3):
            raise ValueError(
                'VolumetricIntegralLabel.encode expects keypoints of shape '
                f'(N, K, 2) or (N, K, 3), got {keypoints.shape}')
        n, k, dim = keypoints.shape
        if keypoints_visible is None:
            keypoints_visible = np.ones((n, k), dtype=np.float32)
        keypoints_visible = np.asarray(keypoints_visible)
        if keypoints_visible.ndim == 3:  # (N, K, 1) or (N, K, 2)
            keypoints_visible = keypoints_visible[..., 0]
        if keypoints_visible.shape != (n, k):
            raise ValueError(
                'VolumetricIntegralLabel.encode: keypoints_visible must be '
                f'({n}, {k}), got {keypoints_visible.shape}')
        visible = keypoints_visible > 0.5

        w, h = self.input_size
        uv = keypoints[..., :2]
        finite_uv = np.isfinite(uv).all(axis=-1)
        uv = np.where(finite_uv[..., None], uv, 0.0)
        labels = np.full((n, k, 3), 0.5, dtype=np.float64)
        labels[..., 0] = (uv[..., 0] + 0.5) / w
        labels[..., 1] = (uv[..., 1] + 0.5) / h
        inside = ((labels[..., :2] >= 0) & (labels[..., :2] <= 1)).all(-1)
        weights = visible & finite_uv & inside

        if dim == 3:
            z = keypoints[..., 2]
            finite_z = np.isfinite(z)
            z = np.where(finite_z, z, 0.0)
            labels[..., 2] = z / self.depth_range + 0.5
            in_range = (labels[..., 2] >= 0) & (labels[..., 2] <= 1)
            depth_weights = visible & finite_z & in_range
        else:
            depth_weights = np.zeros((n, k), dtype=bool)

        return dict(
            keypoint_labels=labels.astype(np.float32),
            keypoint_weights=weights.astype(np.float32),
            keypoint_depth_weights=depth_weights.astype(np.float32))

    def decode(self, encoded: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Decode normalised coordinates into input-crop keypoints.

        Args:
            encoded (np.ndarray): ``(N, K, 3)`` normalised ``(x, y, z)``.

        Returns:
            tuple:
            - keypoints (np.ndarray): ``(N, K, 3)``: ``(u, v)`` in input-crop
              pixels and the root-relative depth in millimetres.
            - scores (np.ndarray): ``(N, K)`` ones (integral regression gives
              no confidence).
        """
        encoded = np.asarray(encoded)
        if encoded.ndim != 3 or encoded.shape[-1] != 3:
            raise ValueError('VolumetricIntegralLabel.decode expects '
                             f'(N, K, 3) coordinates, got {encoded.shape}')
        w, h = self.input_size
        keypoints = np.empty(encoded.shape, dtype=np.float32)
        keypoints[..., 0] = encoded[..., 0] * w - 0.5
        keypoints[..., 1] = encoded[..., 1] * h - 0.5
        keypoints[..., 2] = (encoded[..., 2] - 0.5) * self.depth_range
        scores = np.ones(encoded.shape[:2], dtype=np.float32)
        return keypoints, scores
