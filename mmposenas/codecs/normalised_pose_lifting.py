"""2D-to-3D lifting labels normalised with statistics of the training set."""
import json
from typing import Dict, Optional, Sequence

import numpy as np
from mmpose.codecs import ImagePoseLifting
from mmpose.registry import KEYPOINT_CODECS

from ..utils.io import atomic_write_text

#: Keys of a lifting statistics file.
STATS_KEYS = ('keypoints_mean', 'keypoints_std', 'target_mean', 'target_std')


def compute_lifting_stats(keypoints: np.ndarray, targets: np.ndarray,
                          root_index: int = 0, remove_root: bool = True,
                          min_std: float = 1e-3) -> Dict[str, list]:
    """Mean and std of the 2D inputs and root-relative 3D targets.

    Args:
        keypoints (np.ndarray): ``(N, K, 2)`` 2D joints (image pixels).
        targets (np.ndarray): ``(N, K, 3)`` 3D joints (any origin; made
            relative to ``root_index``).
        root_index (int): Root joint. Defaults to 0.
        remove_root (bool): Drop the root from the target statistics (as the
            codec with ``remove_root=True`` does). Defaults to True.
        min_std (float): Floor of the standard deviations (a joint that never
            moves must not divide by zero). Defaults to 1e-3.

    Returns:
        dict: ``keypoints_mean``/``keypoints_std`` ``(K, 2)`` and
        ``target_mean``/``target_std`` ``(K', 3)`` as nested lists, with
        ``K' = K - 1`` when ``remove_root``.
    """
    keypoints = np.asarray(keypoints, dtype=np.float64)
    targets = np.asarray(targets, dtype=np.float64)
    if keypoints.ndim != 3 or keypoints.shape[-1] != 2 or \
            targets.shape != keypoints.shape[:2] + (3, ):
        raise ValueError('compute_lifting_stats expects keypoints (N, K, 2) '
                         'and targets (N, K, 3), got '
                         f'{keypoints.shape} and {targets.shape}')
    if len(keypoints) < 2:
        raise ValueError('compute_lifting_stats needs at least 2 samples, '
                         f'got {len(keypoints)}')
    rel = targets - targets[:, root_index:root_index + 1]
    if remove_root:
        rel = np.delete(rel, root_index, axis=1)
    return dict(
        keypoints_mean=keypoints.mean(0).tolist(),
        keypoints_std=np.maximum(keypoints.std(0), min_std).tolist(),
        target_mean=rel.mean(0).tolist(),
        target_std=np.maximum(rel.std(0), min_std).tolist())


def save_lifting_stats(path: str, stats: Dict[str, list]) -> None:
    """Write statistics as JSON, atomically."""
    atomic_write_text(path, json.dumps(stats, indent=1))


def load_lifting_stats(path: str) -> Dict[str, np.ndarray]:
    """Read a statistics file written by :func:`save_lifting_stats`."""
    try:
        with open(path, encoding='utf-8') as f:
            stats = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        raise ValueError(f'Cannot read lifting statistics {path}: {e}') from e
    missing = [k for k in STATS_KEYS if k not in stats]
    if missing:
        raise KeyError(f'{path}: lifting statistics lack {missing}; expected '
                       f'{list(STATS_KEYS)} (tools/analysis/'
                       'compute_lifting_stats.py writes them)')
    return {k: np.asarray(stats[k], dtype=np.float32) for k in STATS_KEYS}


@KEYPOINT_CODECS.register_module()
class NormalisedImagePoseLifting(ImagePoseLifting):
    """MMPose's ``ImagePoseLifting`` reading its statistics from a file.

    2D inputs are normalised as ``(u - mean) / std`` and the root-relative 3D
    targets as ``(X - mean) / std`` with per-joint statistics of the training
    set (Martinez et al. 2017); :meth:`decode` de-normalises. The statistics
    come from ``stats_file`` (JSON with ``keypoints_mean``,
    ``keypoints_std``, ``target_mean``, ``target_std``; written by
    ``tools/analysis/compute_lifting_stats.py`` from a config's training set)
    or are given inline as in ``ImagePoseLifting``.

    Args:
        num_keypoints (int): Number of joints ``K``.
        stats_file (str, optional): Statistics file. Takes precedence over
            inline statistics.
        root_index, remove_root, save_index, reshape_keypoints, concat_vis,
            keypoints_mean, keypoints_std, target_mean, target_std: as in
            ``ImagePoseLifting``.
    """

    def __init__(self,
                 num_keypoints: int,
                 stats_file: Optional[str] = None,
                 root_index: int = 0,
                 remove_root: bool = True,
                 save_index: bool = False,
                 reshape_keypoints: bool = True,
                 concat_vis: bool = False,
                 keypoints_mean: Optional[Sequence] = None,
                 keypoints_std: Optional[Sequence] = None,
                 target_mean: Optional[Sequence] = None,
                 target_std: Optional[Sequence] = None) -> None:
        if stats_file is not None:
            stats = load_lifting_stats(stats_file)
            target_joints = num_keypoints - (1 if remove_root else 0)
            expected = dict(keypoints_mean=(num_keypoints, 2),
                            keypoints_std=(num_keypoints, 2),
                            target_mean=(target_joints, 3),
                            target_std=(target_joints, 3))
            for key, shape in expected.items():
                if stats[key].shape != shape:
                    raise ValueError(
                        f'{stats_file}: {key} must be {shape} for '
                        f'num_keypoints={num_keypoints}, '
                        f'remove_root={remove_root}; got '
                        f'{stats[key].shape}')
            keypoints_mean = stats['keypoints_mean']
            keypoints_std = stats['keypoints_std']
            target_mean = stats['target_mean']
            target_std = stats['target_std']
        self.stats_file = stats_file
        super().__init__(
            num_keypoints=num_keypoints,
            root_index=root_index,
            remove_root=remove_root,
            save_index=save_index,
            reshape_keypoints=reshape_keypoints,
            concat_vis=concat_vis,
            keypoints_mean=keypoints_mean,
            keypoints_std=keypoints_std,
            target_mean=target_mean,
            target_std=target_std)
