"""Skeleton and kinematics of the synthetic figures."""
import numpy as np
import pytest

from mmposenas.datasets.synthetic.kinematics import (ACTIONS,
                                                     ANATOMICAL_LIMITS,
                                                     angle_names,
                                                     forward_kinematics,
                                                     sample_bone_lengths,
                                                     sample_joint_angles,
                                                     sample_posed_skeleton)
from mmposenas.datasets.synthetic.skeleton import (
    BONE_LENGTH_TOLERANCE, H36M_INDEX, H36M_PARENTS,
    check_against_mmpose_metainfo, nominal_bone_lengths)


def _neutral_angles():
    angles = {n: 0.0 for n in angle_names()}
    angles.update(yaw=0.0, pitch=0.0, roll=0.0)
    return angles


@pytest.mark.parametrize('dataset', ['h36m', 'coco'])
def test_joint_names_match_mmpose_metainfo(dataset):
    from mmpose.datasets.datasets.utils import parse_pose_metainfo
    meta = parse_pose_metainfo(
        dict(from_file=f'configs/_base_/datasets/{dataset}.py'))
    check_against_mmpose_metainfo(meta)  # raises on any difference


def test_bone_lengths_within_tolerance_and_exact_in_fk():
    rng = np.random.default_rng(0)
    nominal = nominal_bone_lengths()[1:]
    for i in range(200):
        pose = sample_posed_skeleton(rng, ACTIONS[i % len(ACTIONS)])
        J = pose.joints
        lengths = np.linalg.norm(J[1:] - J[list(H36M_PARENTS[1:])], axis=1)
        np.testing.assert_allclose(lengths, pose.bone_lengths[1:], rtol=1e-9)
        ratio = lengths / nominal
        assert ratio.min() >= 1 - BONE_LENGTH_TOLERANCE - 1e-9
        assert ratio.max() <= 1 + BONE_LENGTH_TOLERANCE + 1e-9
    # variation is real, not a constant body
    assert np.ptp([sample_bone_lengths(rng)[3] for _ in range(50)]) > 0.03


@pytest.mark.parametrize('action', ACTIONS)
def test_sampled_angles_within_anatomical_limits(action):
    rng = np.random.default_rng(1)
    for _ in range(50):
        angles = sample_joint_angles(rng, action)
        for name in angle_names():
            key = name
            for side in ('right_', 'left_'):
                if name.startswith(side):
                    key = 'side_' + name[len(side):]
            lo, hi = ANATOMICAL_LIMITS[key]
            assert lo <= angles[name] <= hi, (action, name, angles[name])


def test_hinges_bend_the_anatomical_way():
    L = nominal_bone_lengths()
    angles = _neutral_angles()
    angles.update(right_knee_flex=90., left_elbow_flex=90.)
    J = forward_kinematics(angles, L).joints
    idx = H36M_INDEX
    # body frame: x right, y forward, z up (yaw 0)
    assert J[idx['right_foot'], 1] < J[idx['right_knee'], 1] - 0.4  # back
    assert J[idx['left_wrist'], 1] > J[idx['left_elbow'], 1] + 0.2  # front
    assert J[idx['right_hip'], 0] > 0 > J[idx['left_hip'], 0]
    assert J[idx['right_shoulder'], 0] > 0 > J[idx['left_shoulder'], 0]
    assert J[idx['head'], 2] > J[idx['thorax'], 2] > J[idx['root'], 2]


def test_figure_stands_on_the_floor():
    rng = np.random.default_rng(2)
    for action in ACTIONS:
        pose = sample_posed_skeleton(rng, action)
        assert pose.joints[:, 2].min() >= 0.03
        assert pose.joints[:, 2].min() < 0.2 or action == 'Free'


def test_unknown_action_is_a_clear_error():
    with pytest.raises(ValueError, match='unknown action'):
        sample_joint_angles(np.random.default_rng(0), 'Juggling')
