"""3D labels stay consistent under flip, rotation, colour jitter, occlusion.

Runs MMPose's own transforms (RandomFlip, RandomBBoxTransform,
TopdownAffine, PhotometricDistortion) on a real H36M sample with
AppendRootRelativeDepth carrying the depth in keypoints[..., 2].
"""
import numpy as np
import pytest
from mmcv.transforms import Compose
from mmengine.registry import init_default_scope
from mmpose.registry import DATASETS, KEYPOINT_CODECS

import mmposenas  # noqa: F401


@pytest.fixture(autouse=True)
def _mmpose_scope():
    """Pipelines build MMPose transforms by name, as in MMPose's runner."""
    init_default_scope('mmpose')


INPUT_SIZE = (64, 64)
CODEC = dict(
    type='VolumetricIntegralLabel', input_size=INPUT_SIZE, depth_range=2000.)


@pytest.fixture(scope='module')
def data_info():
    ds = DATASETS.build(
        dict(
            type='Human36mImageDataset',
            data_root='data/samples/h36m/',
            ann_file='test_h36m_body3d.npz',
            camera_param_file='cameras.pkl',
            data_prefix=dict(img=''),
            pipeline=[]))
    return ds.get_data_info(0)


def _run(info, *augment, use_udp=False):
    pipeline = Compose([
        dict(type='LoadImage'),
        dict(type='GetBBoxCenterScale', padding=1.0),
        dict(type='AppendRootRelativeDepth'),
        *augment,
        dict(type='TopdownAffine', input_size=INPUT_SIZE, use_udp=use_udp),
        dict(type='GenerateTarget', encoder=CODEC),
    ])
    return pipeline(dict(info))


def test_depth_is_carried_as_the_third_keypoint_column(data_info):
    out = _run(data_info)
    z = data_info['keypoints_3d'][..., 2]
    np.testing.assert_allclose(out['transformed_keypoints'][..., 2], z)
    decoded, _ = KEYPOINT_CODECS.build(CODEC).decode(out['keypoint_labels'])
    np.testing.assert_allclose(decoded[..., 2], z, atol=0.5)
    assert out['keypoint_depth_weights'].all()


@pytest.mark.parametrize('use_udp', [False, True])
def test_horizontal_flip_swaps_joints_and_keeps_depth(data_info, use_udp):
    flip = dict(type='RandomFlip', prob=1., direction='horizontal')
    plain = _run(data_info, use_udp=use_udp)
    flipped = _run(data_info, flip, use_udp=use_udp)
    flip_indices = data_info['flip_indices']
    assert flip_indices[1] == 4 and flip_indices[17] == 17  # r/l hip
    w = INPUT_SIZE[0]
    # The crop of the flipped image is the mirrored crop, moved by one
    # pixel with MMPose's non-UDP warp (it maps the box centre to w/2, not
    # (w-1)/2); image and labels move together, so the labels stay right.
    mirror = w - 1 + (0 if use_udp else 1)  # u' = mirror - u
    cols = np.arange(2, w - 2)
    np.testing.assert_array_equal(flipped['img'][:, cols],
                                  plain['img'][:, mirror - cols])
    a = plain['transformed_keypoints'][0]
    b = flipped['transformed_keypoints'][0]
    # joint k of the flipped crop is joint flip_indices[k] mirrored
    np.testing.assert_allclose(b[:, 0], mirror - a[flip_indices, 0],
                               atol=1e-3)
    np.testing.assert_allclose(b[:, 1], a[flip_indices, 1], atol=1e-3)
    # the depth moves with its joint and is not negated
    np.testing.assert_allclose(b[:, 2], a[flip_indices, 2], atol=1e-6)
    assert not np.allclose(b[:, 2], a[:, 2])  # the swap did happen
    la, lb = plain['keypoint_labels'][0], flipped['keypoint_labels'][0]
    np.testing.assert_allclose(lb[:, 2], la[flip_indices, 2], atol=1e-6)
    np.testing.assert_allclose(
        lb[:, 0], 1 - la[flip_indices, 0] + (mirror - w + 1) / w, atol=1e-5)
    assert flipped['keypoint_depth_weights'].all()
    # flipping twice restores the labels
    twice = _run(data_info, flip, flip, use_udp=use_udp)
    np.testing.assert_allclose(
        twice['keypoint_labels'], plain['keypoint_labels'], atol=1e-5)


def test_in_plane_rotation_rotates_uv_and_keeps_depth(data_info):
    np.random.seed(5)  # draws 23.8 degrees
    plain = _run(data_info)
    rotated = _run(
        data_info,
        dict(
            type='RandomBBoxTransform',
            shift_prob=0.,
            scale_prob=0.,
            rotate_factor=30.,
            rotate_prob=1.))
    angle = float(rotated['bbox_rotation'][0])
    assert 10. < abs(angle) <= 30.
    a = plain['transformed_keypoints'][0]
    b = rotated['transformed_keypoints'][0]
    np.testing.assert_allclose(b[:, 2], a[:, 2])
    # (u, v) about the crop centre rotate by the sampled angle
    c = np.array(INPUT_SIZE) / 2
    ang_a = np.arctan2(*(a[:, :2] - c).T[::-1])
    ang_b = np.arctan2(*(b[:, :2] - c).T[::-1])
    diff = np.rad2deg(np.angle(np.exp(1j * (ang_a - ang_b))))
    far = np.linalg.norm(a[:, :2] - c, axis=1) > 5
    np.testing.assert_allclose(diff[far], angle, atol=0.1)
    np.testing.assert_allclose(
        np.linalg.norm(b[:, :2] - c, axis=1),
        np.linalg.norm(a[:, :2] - c, axis=1),
        rtol=1e-4)


def test_colour_jitter_and_occlusion_leave_labels(data_info):
    np.random.seed(0)
    plain = _run(data_info)
    out = _run(data_info, dict(type='PhotometricDistortion'))
    occluded = Compose([
        dict(type='RandomSyntheticOcclusion', prob=1., max_occluders=2,
             area_range=(0.1, 0.2))
    ])(dict(out))
    for res in (out, occluded):
        np.testing.assert_array_equal(res['keypoint_labels'],
                                      plain['keypoint_labels'])
    changed = (occluded['img'] != out['img']).any(-1).mean()
    assert 0.05 < changed < 0.5
    assert not np.array_equal(out['img'], plain['img'])


def test_two_d_samples_pass_through_and_bad_shapes_fail():
    from mmposenas.datasets.transforms import AppendRootRelativeDepth
    t = AppendRootRelativeDepth()
    kpts = np.zeros((1, 16, 2))
    assert t(dict(keypoints=kpts))['keypoints'].shape == (1, 16, 2)
    with pytest.raises(ValueError, match='keypoints_3d must be'):
        t(dict(keypoints=np.zeros((1, 18, 2)),
               keypoints_3d=np.zeros((1, 17, 3))))
