"""RootRelativeMPJPE: the input layouts it accepts and the options it passes
on, each checked against a hand-computed error (killed mutants of
``mmposenas/evaluation``, see docs/testing.md)."""
import numpy as np
import pytest
from mmpose.registry import METRICS

import mmposenas  # noqa: F401
from mmposenas.evaluation import image_to_camera

#: Root away from the origin, so that root alignment matters.
JOINTS = np.array([[10.0, 20.0, 30.0], [110.0, 20.0, 30.0],
                   [10.0, -80.0, 30.0], [10.0, 20.0, 230.0]])


def _path(action='Directions_1'):
    return f'S11/S11_{action}.54138969/S11_{action}.54138969_000001.jpg'


def _metric(**kwargs):
    kwargs.setdefault('pred_space', 'camera')
    return METRICS.build(dict(type='RootRelativeMPJPE', **kwargs))


def _offset_pred(gt, joint=1, offset=(3.0, 4.0, 0.0)):
    pred = np.array(gt, dtype=np.float64)
    pred[..., joint, :] += offset  # 5 mm on one joint
    return pred


def test_prediction_and_ground_truth_layouts():
    """(K, 3), (1, K, 3) and (1, 1, K, 3) predictions, (K, 3) ground truth
    in the metainfo instead of gt_instances, a plain-str image path: all
    give the same 5 mm / 4 joints."""
    gt = JOINTS
    samples = []
    for pred in (_offset_pred(gt), _offset_pred(gt)[None],
                 _offset_pred(gt)[None, None]):
        samples.append(
            dict(
                pred_instances=dict(keypoints=pred),
                lifting_target=gt,
                lifting_target_visible=np.ones(len(gt)),
                target_img_path=_path()))
    metric = _metric()
    metric.process([], samples)
    assert [r['pred_coords'].shape for r in metric.results] == [(1, 4, 3)] * 3
    # both made root-relative: the root of each is at the origin
    for r in metric.results:
        np.testing.assert_allclose(r['gt_coords'][0], JOINTS - JOINTS[0])
        np.testing.assert_allclose(r['pred_coords'][0, 0], 0.0)
    res = metric.evaluate(len(samples))
    assert res['MPJPE'] == pytest.approx(5.0 / 4)
    assert res['MPJPE_Directions'] == pytest.approx(5.0 / 4)


def test_ground_truth_in_gt_instances_wins_over_the_metainfo():
    sample = dict(
        pred_instances=dict(keypoints=JOINTS[None]),
        gt_instances=dict(
            lifting_target=JOINTS[None],
            lifting_target_visible=np.ones((1, 4))),
        lifting_target=JOINTS + [[0, 0, 0], [0, 0, 50.0], [0, 0, 0],
                                 [0, 0, 0]],
        target_img_path=np.array([_path()]))
    metric = _metric()
    metric.process([], [sample])
    assert metric.evaluate(1)['MPJPE'] == pytest.approx(0.0, abs=1e-12)


def test_prefix_skip_list_and_collect_device_are_passed_on():
    gt = JOINTS
    skipped = dict(
        pred_instances=dict(keypoints=_offset_pred(gt, offset=(0, 0, 80.0))),
        lifting_target=gt,
        lifting_target_visible=np.ones(4),
        target_img_path=_path('Walking'))
    kept = dict(skipped, pred_instances=dict(keypoints=_offset_pred(gt)),
                target_img_path=_path('Eating'))
    metric = _metric(
        prefix='h36m',
        skip_list=['S11_Walking'],
        collect_device='gpu')
    assert metric.collect_device == 'gpu'
    assert metric.prefix == 'h36m'
    # the skipped sample comes first: the one after it is still collected
    metric.process([], [skipped, kept])
    assert len(metric.results) == 1
    res = metric.evaluate(1)
    assert res == pytest.approx({
        'h36m/MPJPE': 5.0 / 4,
        'h36m/MPJPE_Eating': 5.0 / 4
    })


def test_visibility_mask_is_read_per_joint():
    """Mask with an unseen joint carrying a large error: it is left out."""
    gt = JOINTS
    pred = _offset_pred(_offset_pred(gt), joint=2, offset=(0, 0, 900.0))
    sample = dict(
        pred_instances=dict(keypoints=pred),
        lifting_target=gt,
        lifting_target_visible=np.array([[1.0], [1.0], [0.0], [1.0]]),
        target_img_path=_path())
    metric = _metric()
    metric.process([], [sample])
    np.testing.assert_array_equal(metric.results[0]['mask'],
                                  [[True, True, False, True]])
    assert metric.evaluate(1)['MPJPE'] == pytest.approx(5.0 / 3)


def test_image_space_with_row_camera_parameters_and_flat_root():
    """``f`` and ``c`` given as (1, 2) rows and ``root_cam`` as (3,): the
    back-projection reads fx, fy, cx, cy and the root depth Z correctly."""
    f, c = np.array([[1000.0, 800.0]]), np.array([[320.0, 240.0]])
    root = np.array([40.0, -30.0, 4000.0])
    cam = JOINTS + root  # camera-space joints
    uv = cam[:, :2] / cam[:, 2:] * f[0] + c[0]
    uvz = np.concatenate([uv, cam[:, 2:] - root[2]], axis=1)
    pred = uvz.copy()
    pred[1, 1] += 8.0  # 8 px in v: 8 * Z / fy mm in Y
    metric = _metric(pred_space='image')
    metric.process([], [
        dict(
            pred_instances=dict(keypoints=pred[None]),
            lifting_target=cam,
            lifting_target_visible=np.ones(4),
            target_img_path=_path(),
            camera_param=dict(f=f, c=c),
            root_cam=root)
    ])
    expected = 8.0 * cam[1, 2] / 800.0 / 4
    assert metric.evaluate(1)['MPJPE'] == pytest.approx(expected, rel=1e-9)


def test_image_to_camera_is_float64_for_float32_input():
    """float32 pixels are promoted before the back-projection: the result
    keeps float64 precision (mm at metres of depth)."""
    uvz = np.array([[1000.25, 200.75, 1.5]], dtype=np.float32)
    # 1.5 + 4987.123 is not a float32 number: a float32 sum is 1e-4 off
    out = image_to_camera(uvz, 4987.123, [1145.0, 1143.0], [512.0, 515.0])
    assert out.dtype == np.float64
    z = 1.5 + 4987.123
    np.testing.assert_allclose(
        out[0], [(1000.25 - 512) * z / 1145, (200.75 - 515) * z / 1143, z],
        rtol=1e-14)
