"""VolumetricIntegralLabel: defaults, closed bounds, missing values, dtypes.

Added after mutation testing (docs/testing.md): each test pins down a
convention that a one-token change of the codec would break unnoticed.
"""
import numpy as np
import pytest
from mmpose.registry import KEYPOINT_CODECS

import mmposenas  # noqa: F401

W, H = 48, 64


def codec(**kwargs):
    return KEYPOINT_CODECS.build(
        dict(type='VolumetricIntegralLabel', input_size=(W, H), **kwargs))


def test_default_depth_range_is_two_metres():
    kpts = np.array([[[5., 5., 1000.], [5., 5., -1000.], [5., 5., 250.]]])
    enc = codec().encode(kpts)
    np.testing.assert_allclose(enc['keypoint_labels'][0, :, 2],
                               [1.0, 0.0, 0.625])
    assert codec().depth_range == 2000.0


def test_the_crop_and_the_depth_range_are_closed_intervals():
    # u = -0.5 and u = w - 0.5 are the crop edges (x = 0 and 1), z = +-1 m
    # the ends of the depth range: all inside, weight 1
    kpts = np.array([[[-0.5, -0.5, -1000.], [W - 0.5, H - 0.5, 1000.],
                      [-0.51, 5., 1000.01], [5., H - 0.49, -1000.01]]])
    enc = codec(depth_range=2000.).encode(kpts)
    np.testing.assert_allclose(enc['keypoint_labels'][0, :2],
                               [[0, 0, 0], [1, 1, 1]], atol=1e-7)
    np.testing.assert_array_equal(enc['keypoint_weights'], [[1, 1, 0, 0]])
    np.testing.assert_array_equal(enc['keypoint_depth_weights'],
                                  [[1, 1, 0, 0]])


def test_missing_depth_keeps_the_2d_label_and_the_root_depth_label():
    kpts = np.array([[[10., 20., np.nan], [10., 20., 300.],
                      [np.inf, 20., 300.]]])
    enc = codec().encode(kpts)
    # a NaN depth does not invalidate u, v
    np.testing.assert_array_equal(enc['keypoint_weights'], [[1, 1, 0]])
    np.testing.assert_array_equal(enc['keypoint_depth_weights'], [[0, 1, 1]])
    # the unknown depth gets the 2D-only label: the root depth (0.5)
    np.testing.assert_allclose(enc['keypoint_labels'][0, 0],
                               [10.5 / W, 20.5 / H, 0.5])
    # a non-finite u, v: label (0.5 / w, ...) of pixel 0, weight 0
    np.testing.assert_allclose(enc['keypoint_labels'][0, 2, :2],
                               [0.5 / W, 0.5 / H])


def test_visibility_is_read_from_the_first_column():
    kpts = np.zeros((1, 3, 3)) + 5
    vis = np.array([[[1., 0.], [0., 1.], [1., 1.]]])  # (N, K, 2)
    enc = codec().encode(kpts, vis)
    np.testing.assert_array_equal(enc['keypoint_weights'], [[1, 0, 1]])


def test_smallest_valid_sizes_are_accepted():
    tiny = KEYPOINT_CODECS.build(dict(type='VolumetricIntegralLabel',
                                      input_size=(1, 1), depth_range=0.5))
    enc = tiny.encode(np.array([[[0., 0., 0.25]]]))
    np.testing.assert_allclose(enc['keypoint_labels'][0, 0], [0.5, 0.5, 1.0])


def test_outputs_are_float32():
    enc = codec().encode(np.array([[[1, 2, 3]]]))  # integer input
    for key in ('keypoint_labels', 'keypoint_weights',
                'keypoint_depth_weights'):
        assert enc[key].dtype == np.float32, key
    kpts, scores = codec().decode(np.full((1, 2, 3), 0.5))
    assert kpts.dtype == np.float32 and scores.dtype == np.float32
    np.testing.assert_array_equal(scores, np.ones((1, 2)))


@pytest.mark.parametrize('call,message', [
    (lambda: codec(depth_range=-1),
     'VolumetricIntegralLabel: depth_range must be positive'),
    (lambda: KEYPOINT_CODECS.build(dict(type='VolumetricIntegralLabel',
                                        input_size=(0, 5))),
     r'VolumetricIntegralLabel: input_size must be \(w, h\)'),
    (lambda: codec().encode(np.zeros((2, 3))),
     'VolumetricIntegralLabel.encode expects keypoints of shape'),
    (lambda: codec().encode(np.zeros((1, 2, 3)), np.ones((1, 3))),
     'VolumetricIntegralLabel.encode: keypoints_visible must be'),
    (lambda: codec().decode(np.zeros((1, 2, 2))),
     'VolumetricIntegralLabel.decode expects'),
])
def test_errors_name_the_codec(call, message):
    with pytest.raises(ValueError, match=message):
        call()
