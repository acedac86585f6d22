"""The articulated figure's skeleton: joint names, tree, bone lengths.

The 17 joints follow the order and names of MMPose's ``h36m`` metainfo
(``configs/_base_/datasets/h36m.py``); the 17 COCO keypoints are derived from
them (limb joints copied, face points placed on the head sphere, see
:mod:`.kinematics`).

Body frame used throughout the package (right-handed, metres): ``x`` points to
the figure's right, ``y`` forward (the way the figure faces), ``z`` up.
"""
from typing import Dict, List, Tuple

import numpy as np

# --------------------------------------------------------------------------
# Human3.6M joints (MMPose ``h36m`` metainfo order)
# --------------------------------------------------------------------------
H36M_JOINT_NAMES: Tuple[str, ...] = (
    'root', 'right_hip', 'right_knee', 'right_foot', 'left_hip', 'left_knee',
    'left_foot', 'spine', 'thorax', 'neck_base', 'head', 'left_shoulder',
    'left_elbow', 'left_wrist', 'right_shoulder', 'right_elbow', 'right_wrist')
NUM_H36M_JOINTS = len(H36M_JOINT_NAMES)
H36M_INDEX: Dict[str, int] = {n: i for i, n in enumerate(H36M_JOINT_NAMES)}

#: Parent of every joint in the kinematic tree (-1 for the root).
H36M_PARENTS: Tuple[int, ...] = (-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 9, 8, 11, 12,
                                 8, 14, 15)

#: Side of every joint: +1 right, -1 left, 0 on the midline.
H36M_SIDES: Tuple[int, ...] = (0, 1, 1, 1, -1, -1, -1, 0, 0, 0, 0, -1, -1, -1,
                               1, 1, 1)

#: Nominal adult bone lengths in metres, keyed by the child joint (the bone is
#: parent -> child). Values are those of Human3.6M subject S1, rounded.
NOMINAL_BONE_LENGTHS: Dict[str, float] = {
    'right_hip': 0.133,
    'right_knee': 0.443,
    'right_foot': 0.454,
    'left_hip': 0.133,
    'left_knee': 0.443,
    'left_foot': 0.454,
    'spine': 0.234,
    'thorax': 0.257,
    'neck_base': 0.121,
    'head': 0.115,
    'left_shoulder': 0.151,
    'left_elbow': 0.279,
    'left_wrist': 0.250,
    'right_shoulder': 0.151,
    'right_elbow': 0.279,
    'right_wrist': 0.250,
}

#: Bones as (parent, child) index pairs, in joint order of the child.
H36M_BONES: Tuple[Tuple[int, int], ...] = tuple(
    (H36M_PARENTS[c], c) for c in range(1, NUM_H36M_JOINTS))

#: Maximum relative deviation of any bone from its nominal length.
BONE_LENGTH_TOLERANCE = 0.10


def nominal_bone_lengths() -> np.ndarray:
    """Nominal bone lengths in joint order.

    Returns:
        np.ndarray: (17,) metres; entry ``j`` is the length of the bone
        ``parent[j] -> j`` (0 for the root).
    """
    lengths = np.zeros(NUM_H36M_JOINTS)
    for name, length in NOMINAL_BONE_LENGTHS.items():
        lengths[H36M_INDEX[name]] = length
    return lengths


# --------------------------------------------------------------------------
# COCO keypoints (MMPose ``coco`` metainfo order)
# --------------------------------------------------------------------------
COCO_KEYPOINT_NAMES: Tuple[str, ...] = (
    'nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear', 'left_shoulder',
    'right_shoulder', 'left_elbow', 'right_elbow', 'left_wrist', 'right_wrist',
    'left_hip', 'right_hip', 'left_knee', 'right_knee', 'left_ankle',
    'right_ankle')
NUM_COCO_KEYPOINTS = len(COCO_KEYPOINT_NAMES)

#: COCO keypoint -> Human3.6M joint it copies (face points are not copied).
COCO_FROM_H36M: Dict[str, str] = {
    'left_shoulder': 'left_shoulder',
    'right_shoulder': 'right_shoulder',
    'left_elbow': 'left_elbow',
    'right_elbow': 'right_elbow',
    'left_wrist': 'left_wrist',
    'right_wrist': 'right_wrist',
    'left_hip': 'left_hip',
    'right_hip': 'right_hip',
    'left_knee': 'left_knee',
    'right_knee': 'right_knee',
    'left_ankle': 'left_foot',
    'right_ankle': 'right_foot',
}

#: The five COCO face keypoints, placed on the head sphere.
COCO_FACE_NAMES: Tuple[str, ...] = ('nose', 'left_eye', 'right_eye',
                                    'left_ear', 'right_ear')

#: COCO skeleton (1-based, as in COCO annotation files).
COCO_SKELETON_1BASED: List[List[int]] = [
    [16, 14], [14, 12], [17, 15], [15, 13], [12, 13], [6, 12], [7, 13], [6, 7],
    [6, 8], [7, 9], [8, 10], [9, 11], [2, 3], [1, 2], [1, 3], [2, 4], [3, 5],
    [4, 6], [5, 7]
]


def coco_index_from_h36m() -> np.ndarray:
    """For every COCO keypoint, the H36M joint it copies (-1: face point).

    Returns:
        np.ndarray: (17,) int64.
    """
    index = np.full(NUM_COCO_KEYPOINTS, -1, dtype=np.int64)
    for k, name in enumerate(COCO_KEYPOINT_NAMES):
        if name in COCO_FROM_H36M:
            index[k] = H36M_INDEX[COCO_FROM_H36M[name]]
    return index


def check_against_mmpose_metainfo(metainfo: dict) -> None:
    """Raise if a parsed MMPose metainfo disagrees with the joint names here.

    Args:
        metainfo (dict): the output of
            ``mmpose.datasets.datasets.utils.parse_pose_metainfo`` for the
            ``h36m`` or ``coco`` dataset.
    """
    names = tuple(metainfo['keypoint_id2name'][i]
                  for i in range(metainfo['num_keypoints']))
    expected = (H36M_JOINT_NAMES
                if metainfo['dataset_name'].startswith('h36m') else
                COCO_KEYPOINT_NAMES)
    if names != expected:
        raise ValueError(
            f'MMPose metainfo {metainfo["dataset_name"]!r} has keypoints '
            f'{names}, the synthetic figure expects {expected}')
