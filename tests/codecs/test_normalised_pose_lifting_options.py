"""NormalisedImagePoseLifting: input checks, the statistics file and the
options passed on to MMPose's ImagePoseLifting (mutants of
``mmposenas/codecs`` the older tests let through, see docs/testing.md)."""
import numpy as np
import pytest
from mmpose.registry import KEYPOINT_CODECS

import mmposenas  # noqa: F401
from mmposenas.codecs.normalised_pose_lifting import (compute_lifting_stats,
                                                      save_lifting_stats)

K = 3
KPTS = np.array([[[10.0, 20.0], [30.0, 40.0], [50.0, 60.0]],
                 [[14.0, 20.0], [30.0, 46.0], [50.0, 60.0]]])
XYZ = np.array([[[0.0, 0.0, 10.0], [100.0, 0.0, 10.0], [0.0, 50.0, 10.0]],
                [[10.0, 0.0, 10.0], [130.0, 0.0, 10.0], [10.0, 90.0, 10.0]]])


def test_two_samples_are_enough_and_shapes_are_checked():
    stats = compute_lifting_stats(KPTS, XYZ)
    np.testing.assert_allclose(stats['keypoints_mean'],
                               [[12, 20], [30, 43], [50, 60]])
    np.testing.assert_allclose(stats['keypoints_std'],
                               [[2, 1e-3], [1e-3, 3], [1e-3, 1e-3]])
    # targets relative to joint 0, root dropped
    np.testing.assert_allclose(stats['target_mean'], [[110, 0, 0], [0, 70, 0]])
    np.testing.assert_allclose(stats['target_std'],
                               [[10, 1e-3, 1e-3], [1e-3, 20, 1e-3]])
    with pytest.raises(ValueError, match='at least 2 samples'):
        compute_lifting_stats(KPTS[:1], XYZ[:1])
    with pytest.raises(ValueError, match=r'\(N, K, 2\)'):
        compute_lifting_stats(np.zeros((2, K, 3)), XYZ)  # 3D "keypoints"
    with pytest.raises(ValueError, match=r'\(N, K, 2\)'):
        compute_lifting_stats(KPTS, XYZ[:, :2])  # targets of 2 joints


def test_stats_file_is_indented_and_every_array_is_checked(tmp_path):
    path = tmp_path / 'stats.json'
    stats = compute_lifting_stats(KPTS, XYZ, remove_root=False)
    save_lifting_stats(str(path), stats)
    assert path.read_text().startswith('{\n "keypoints_mean": [\n  [\n')
    codec = KEYPOINT_CODECS.build(dict(
        type='NormalisedImagePoseLifting', num_keypoints=K,
        stats_file=str(path), remove_root=False))
    assert codec.stats_file == str(path)
    enc = codec.encode(KPTS[:1], np.ones((1, K)), lifting_target=XYZ[:1],
                       lifting_target_visible=np.ones((1, K)))
    assert enc['lifting_target_label'].shape == (1, K, 3)
    for key, bad in (('keypoints_std', [[1.0, 1.0]] * (K + 1)),
                     ('target_mean', [[0.0, 0.0, 0.0]] * (K - 1)),
                     ('target_std', [[1.0, 1.0, 1.0]] * (K - 1))):
        broken = dict(stats, **{key: bad})
        save_lifting_stats(str(path), broken)
        with pytest.raises(ValueError, match=f'{key} must be'):
            KEYPOINT_CODECS.build(dict(
                type='NormalisedImagePoseLifting', num_keypoints=K,
                stats_file=str(path), remove_root=False))


def _codec(**kwargs):
    stats = compute_lifting_stats(KPTS, XYZ, root_index=1)
    cfg = dict(type='NormalisedImagePoseLifting', num_keypoints=K,
               root_index=1, **{k: np.array(v) for k, v in stats.items()})
    cfg.update(kwargs)
    return KEYPOINT_CODECS.build(cfg)


def test_options_reach_image_pose_lifting():
    def encode(codec):
        return codec.encode(KPTS[1:], np.ones((1, K)),
                            lifting_target=XYZ[1:],
                            lifting_target_visible=np.ones((1, K, 1)))

    plain = encode(_codec())
    assert 'target_root_index' not in plain  # save_index defaults to False
    assert plain['keypoint_labels'].shape == (K * 2, 1)
    # root_index=1: the target is relative to joint 1, which is dropped
    codec = _codec()
    label = plain['lifting_target_label'].reshape(K - 1, 3)
    np.testing.assert_allclose(
        label * codec.target_std.reshape(K - 1, 3) +
        codec.target_mean.reshape(K - 1, 3), (XYZ[1] - XYZ[1, 1])[[0, 2]],
        atol=1e-3)
    assert encode(_codec(save_index=True))['target_root_index'] == 1
    assert encode(_codec(reshape_keypoints=False))[
        'keypoint_labels'].shape == (1, K, 2)
    assert encode(_codec(concat_vis=True))['keypoint_labels'].shape == (
        K * 3, 1)
