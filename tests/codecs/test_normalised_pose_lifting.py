"""NormalisedImagePoseLifting: statistics, normalisation round trip."""
import json
import runpy

import numpy as np
import pytest
from mmpose.registry import KEYPOINT_CODECS

import mmposenas  # noqa: F401
from mmposenas.codecs.normalised_pose_lifting import (compute_lifting_stats,
                                                      save_lifting_stats)
from conftest import REPO

K = 5


def _data(n=50, seed=0):
    rng = np.random.default_rng(seed)
    kpts = rng.normal(500, 80, size=(n, K, 2))
    xyz = rng.normal(0, 300, size=(n, K, 3)) + [0, 0, 5000]
    return kpts, xyz


def test_statistics_are_per_joint_mean_and_std(tmp_path):
    kpts, xyz = _data()
    stats = compute_lifting_stats(kpts, xyz, root_index=0)
    np.testing.assert_allclose(stats['keypoints_mean'], kpts.mean(0))
    np.testing.assert_allclose(stats['keypoints_std'], kpts.std(0))
    rel = (xyz - xyz[:, :1])[:, 1:]
    np.testing.assert_allclose(stats['target_mean'], rel.mean(0))
    np.testing.assert_allclose(stats['target_std'], rel.std(0))
    keep = compute_lifting_stats(kpts, xyz, remove_root=False)
    assert np.array(keep['target_std']).shape == (K, 3)
    assert np.allclose(keep['target_std'][0], 1e-3)  # root floored, not 0


def test_round_trip_through_the_codec(tmp_path):
    kpts, xyz = _data()
    path = str(tmp_path / 'stats.json')
    save_lifting_stats(path, compute_lifting_stats(kpts, xyz))
    codec = KEYPOINT_CODECS.build(
        dict(type='NormalisedImagePoseLifting', num_keypoints=K,
             stats_file=path))
    stats = json.load(open(path))
    for i in range(3):
        enc = codec.encode(kpts[i:i + 1], np.ones((1, K)),
                           lifting_target=xyz[i:i + 1],
                           lifting_target_visible=np.ones((1, K)))
        norm_2d = (kpts[i] - stats['keypoints_mean']) / stats['keypoints_std']
        # ImagePoseLifting's (K * 2, 1) layout
        np.testing.assert_allclose(enc['keypoint_labels'][:, 0],
                                   norm_2d.reshape(-1), rtol=1e-4, atol=1e-6)
        label = enc['lifting_target_label']
        rel = xyz[i] - xyz[i, 0]
        np.testing.assert_allclose(
            label[0], (rel[1:] - stats['target_mean']) / stats['target_std'],
            rtol=1e-4, atol=1e-5)
        decoded, _ = codec.decode(label, target_root=np.zeros((1, 3)))
        np.testing.assert_allclose(decoded[0], rel, atol=1e-3)


def test_stats_file_shape_is_checked(tmp_path):
    kpts, xyz = _data()
    path = str(tmp_path / 'stats.json')
    save_lifting_stats(path, compute_lifting_stats(kpts, xyz))
    with pytest.raises(ValueError, match='keypoints_mean must be'):
        KEYPOINT_CODECS.build(dict(type='NormalisedImagePoseLifting',
                                   num_keypoints=K + 1, stats_file=path))
    (tmp_path / 'bad.json').write_text('{"keypoints_mean": []}')
    with pytest.raises(KeyError, match='lack'):
        KEYPOINT_CODECS.build(dict(type='NormalisedImagePoseLifting',
                                   num_keypoints=K,
                                   stats_file=str(tmp_path / 'bad.json')))


def test_shipped_sample_statistics_match_the_tool(tmp_path):
    out = tmp_path / 'stats.json'
    tool = runpy.run_path(f'{REPO}/tools/analysis/compute_lifting_stats.py')
    tool['main']([
        f'{REPO}/configs/baselines/lifting/'
        'lift_simple-baseline-tiny_1xb4-20e_h36m-sample.py', '--out',
        str(out)
    ])
    fresh = json.loads(out.read_text())
    shipped = json.load(open(f'{REPO}/data/samples/h36m/lifting_stats.json'))
    for key in fresh:
        np.testing.assert_allclose(shipped[key], fresh[key], rtol=1e-6)
    assert np.array(fresh['keypoints_mean']).shape == (18, 2)
    assert np.array(fresh['target_mean']).shape == (17, 3)
