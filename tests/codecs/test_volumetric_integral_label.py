"""VolumetricIntegralLabel: round trip, centre-of-voxel convention, weights."""
import numpy as np
import pytest
import torch
from mmpose.registry import KEYPOINT_CODECS

import mmposenas  # noqa: F401
from mmposenas.models.utils import soft_argmax_3d

INPUT_SIZE = (48, 64)  # (w, h)
DEPTH_RANGE = 2000.0


def _codec():
    return KEYPOINT_CODECS.build(
        dict(
            type='VolumetricIntegralLabel',
            input_size=INPUT_SIZE,
            depth_range=DEPTH_RANGE))


def _keypoints(rng, n=2, k=18):
    w, h = INPUT_SIZE
    uv = rng.uniform([-0.5, -0.5], [w - 0.5, h - 0.5], size=(n, k, 2))
    z = rng.uniform(-DEPTH_RANGE / 2, DEPTH_RANGE / 2, size=(n, k, 1))
    return np.concatenate([uv, z], axis=-1)


def test_encode_decode_round_trip():
    codec = _codec()
    kpts = _keypoints(np.random.default_rng(0))
    enc = codec.encode(kpts, np.ones(kpts.shape[:2]))
    assert enc['keypoint_labels'].shape == (2, 18, 3)
    assert (enc['keypoint_labels'] >= 0).all()
    assert (enc['keypoint_labels'] <= 1).all()
    assert enc['keypoint_weights'].all()
    assert enc['keypoint_depth_weights'].all()
    dec, scores = codec.decode(enc['keypoint_labels'])
    np.testing.assert_allclose(dec, kpts, atol=2e-3)
    assert scores.shape == (2, 18)


def test_pixel_and_flip_convention():
    codec = _codec()
    w, h = INPUT_SIZE
    kpts = np.array([[[0., 0., 0.], [w - 1., h - 1., 1000.],
                      [10., 20., -1000.]]])
    labels = codec.encode(kpts)['keypoint_labels'][0]
    # pixel 0 is the centre of the first of w pixels; z=0 is the root depth
    np.testing.assert_allclose(labels[0], [0.5 / w, 0.5 / h, 0.5], atol=1e-7)
    np.testing.assert_allclose(labels[1], [1 - 0.5 / w, 1 - 0.5 / h, 1.0],
                               atol=1e-7)
    # MMPose's flip (u -> w - 1 - u) is x -> 1 - x here: no shift needed
    flipped = kpts.copy()
    flipped[..., 0] = w - 1 - flipped[..., 0]
    labels_f = codec.encode(flipped)['keypoint_labels'][0]
    np.testing.assert_allclose(labels_f[:, 0], 1 - labels[:, 0], atol=1e-7)
    np.testing.assert_allclose(labels_f[:, 1:], labels[:, 1:], atol=1e-7)


def test_volume_voxel_decodes_to_the_centre_of_its_pixels():
    """Voxel i of a stride-s volume is the centre of input pixels
    [i*s, (i+1)*s - 1], whatever the volume resolution."""
    codec = _codec()
    w, h = INPUT_SIZE
    for (vw, vh, vd) in [(12, 16, 8), (24, 32, 16)]:
        sx, sy = w / vw, h / vh
        vol = torch.zeros(1, 1, vd, vh, vw)
        i, j, d = vw - 1, 3, 0
        vol[0, 0, d, j, i] = 60.0
        coords = soft_argmax_3d(vol).numpy()
        kpts, _ = codec.decode(coords)
        np.testing.assert_allclose(
            kpts[0, 0, :2], [i * sx + (sx - 1) / 2, j * sy + (sy - 1) / 2],
            atol=1e-3)
        np.testing.assert_allclose(
            kpts[0, 0, 2], ((d + 0.5) / vd - 0.5) * DEPTH_RANGE, atol=1e-2)


def test_two_d_only_samples_have_no_depth_weight():
    codec = _codec()
    kpts = _keypoints(np.random.default_rng(1))[..., :2]
    enc = codec.encode(kpts, np.ones(kpts.shape[:2]))
    assert enc['keypoint_weights'].all()
    assert not enc['keypoint_depth_weights'].any()
    np.testing.assert_allclose(enc['keypoint_labels'][..., 2], 0.5)


def test_weights_follow_visibility_crop_and_depth_range():
    codec = _codec()
    w, h = INPUT_SIZE
    kpts = np.array([[[5., 5., 0.], [w + 3., 5., 0.], [5., 5., 1500.],
                      [5., 5., 0.], [np.nan, 5., 0.]]])
    visible = np.array([[1, 1, 1, 0, 1]], dtype=np.float32)
    enc = codec.encode(kpts, visible)
    np.testing.assert_array_equal(enc['keypoint_weights'], [[1, 0, 1, 0, 0]])
    np.testing.assert_array_equal(enc['keypoint_depth_weights'],
                                  [[1, 1, 0, 0, 1]])
    assert np.isfinite(enc['keypoint_labels']).all()
    # (N, K, 2) visibility as produced by KeypointConverter
    enc2 = codec.encode(kpts, np.stack([visible, visible], axis=-1))
    np.testing.assert_array_equal(enc2['keypoint_weights'],
                                  enc['keypoint_weights'])


def test_bad_input_is_rejected():
    with pytest.raises(ValueError, match='input_size'):
        KEYPOINT_CODECS.build(
            dict(type='VolumetricIntegralLabel', input_size=(0, 64)))
    with pytest.raises(ValueError, match='depth_range'):
        KEYPOINT_CODECS.build(
            dict(
                type='VolumetricIntegralLabel',
                input_size=(48, 64),
                depth_range=0))
    codec = _codec()
    with pytest.raises(ValueError, match=r'\(N, K, 2\) or \(N, K, 3\)'):
        codec.encode(np.zeros((18, 3)))
    with pytest.raises(ValueError, match='keypoints_visible'):
        codec.encode(np.zeros((1, 18, 3)), np.ones((1, 17)))
    with pytest.raises(ValueError, match=r'\(N, K, 3\)'):
        codec.decode(np.zeros((1, 18, 2)))
