"""RootRelativeMPJPE: MPJPE / PA-MPJPE in mm against hand-computed values."""
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.evaluator import Evaluator
from mmengine.registry import init_default_scope
from mmpose.registry import DATASETS, METRICS, MODELS

import mmposenas  # noqa: F401
from mmposenas.evaluation import image_to_camera


def _sample(pred, gt, action='Directions_1', **meta):
    gt = np.asarray(gt, dtype=np.float64)
    sample = dict(
        pred_instances=dict(keypoints=np.asarray(pred)[None]),
        gt_instances=dict(
            lifting_target=gt[None],
            lifting_target_visible=np.ones((1, gt.shape[0]))),
        target_img_path=np.array(
            [f'S11/S11_{action}.54138969/S11_{action}.54138969_000001.jpg']))
    sample.update(meta)
    return sample


def _evaluate(samples, **kwargs):
    metric = METRICS.build(
        dict(type='RootRelativeMPJPE', pred_space='camera', **kwargs))
    metric.process([], samples)
    return metric.evaluate(len(samples))


OCTAHEDRON = np.array([[0, 0, 0], [1, 0, 0], [-1, 0, 0], [0, 1, 0],
                       [0, -1, 0], [0, 0, 1], [0, 0, -1]]) * 100.0


def test_mpjpe_of_a_known_offset():
    gt = OCTAHEDRON
    pred = gt.copy()
    pred[1:] += [3.0, 4.0, 0.0]  # 5 mm on the 6 non-root joints
    res = _evaluate([_sample(pred, gt)])
    assert res['MPJPE'] == pytest.approx(6 * 5.0 / 7)
    assert res['MPJPE_Directions'] == pytest.approx(6 * 5.0 / 7)


def test_root_alignment_removes_a_global_translation():
    pred = OCTAHEDRON + [250.0, -40.0, 900.0]
    assert _evaluate([_sample(pred, OCTAHEDRON)])['MPJPE'] == pytest.approx(
        0, abs=1e-9)


def test_pa_mpjpe_hand_computed():
    """Stretch the x axis by 1.2: by symmetry the optimal rotation is I and
    the optimal scale s = sum(p.g) / sum(p.p) over the centred points."""
    gt = OCTAHEDRON
    pred = gt * [1.2, 1.0, 1.0]
    s = (2 * 1.2 + 4) / (2 * 1.44 + 4)
    expected = (2 * abs(1.2 * s - 1) + 4 * abs(s - 1)) * 100 / 7
    res = _evaluate([_sample(pred, gt)], mode='pa-mpjpe')
    assert set(res) == {'PA-MPJPE', 'PA-MPJPE_Directions'}
    assert res['PA-MPJPE'] == pytest.approx(expected, rel=1e-6)
    # a similarity transform of the ground truth has zero PA-MPJPE
    theta = 0.7
    rot = np.array([[np.cos(theta), -np.sin(theta), 0],
                    [np.sin(theta), np.cos(theta), 0], [0, 0, 1]])
    pred = 1.7 * gt @ rot.T + 30
    res = _evaluate([_sample(pred, gt)], mode='pa-mpjpe')
    assert res['PA-MPJPE'] == pytest.approx(0, abs=1e-6)
    assert _evaluate([_sample(pred, gt)])['MPJPE'] > 50


def test_per_action_results_thorax_exclusion_and_units():
    gt = np.concatenate([OCTAHEDRON, [[0, 0, 50.0]]])  # joint 7: "thorax"
    pred_a = gt.copy()
    pred_a[1] += [6.0, 8.0, 0]  # 10 mm on one joint
    pred_a[7] += [500.0, 0, 0]  # huge error on the excluded joint
    pred_b = gt.copy()
    pred_b[2] += [0, 0, 14.0]
    samples = [
        _sample(pred_a, gt, 'Directions_1'),
        _sample(pred_b, gt, 'Walking')
    ]
    res = _evaluate(samples, keypoint_indices=range(7))
    assert res['MPJPE_Directions'] == pytest.approx(10 / 7)
    assert res['MPJPE_Walking'] == pytest.approx(14 / 7)
    assert res['MPJPE'] == pytest.approx(24 / 14)
    # ground truth in metres (MMPose's Human36mDataset) with gt_unit_to_mm
    metres = [_sample(pred_a, gt / 1000.0, 'Directions_1')]
    res_m = _evaluate(metres, keypoint_indices=range(7), gt_unit_to_mm=1000)
    assert res_m['MPJPE'] == pytest.approx(10 / 7)


def test_image_space_predictions_are_back_projected():
    ds = DATASETS.build(
        dict(
            type='Human36mImageDataset',
            data_root='data/samples/h36m/',
            ann_file='test_h36m_body3d.npz',
            camera_param_file='cameras.pkl',
            pipeline=[]))
    metric = METRICS.build(
        dict(type='RootRelativeMPJPE', keypoint_indices=list(range(17))))
    samples, expected = [], []
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        uvz = np.concatenate(
            [info['keypoints'][0], info['keypoints_3d'][0, :, 2:]], axis=-1)
        # move the left wrist (13) by 4 px in u: error 4 * Z / fx in X
        uvz[13, 0] += 4.0
        z = info['keypoints_3d'][0, 13, 2] + info['root_cam'][0, 2]
        expected.append(4.0 * z / info['camera_param']['f'][0, 0] / 17)
        samples.append(
            dict(
                pred_instances=dict(keypoints=uvz[None]),
                gt_instances=dict(
                    lifting_target=info['lifting_target'],
                    lifting_target_visible=info['lifting_target_visible']),
                target_img_path=info['target_img_path'],
                camera_param=info['camera_param'],
                root_cam=info['root_cam']))
    metric.process([], samples)
    res = metric.evaluate(len(samples))
    assert res['MPJPE'] == pytest.approx(np.mean(expected), rel=1e-3)
    assert {'MPJPE_Directions', 'MPJPE_SittingDown', 'MPJPE_Greeting',
            'MPJPE_WalkDog'} <= set(res)


def test_image_to_camera_inverts_the_pinhole_projection():
    xyz = np.array([[120.0, -340.0, 4800.0], [0.0, 0.0, 5000.0]])
    f, c = np.array([1145.0, 1143.8]), np.array([512.5, 515.5])
    uv = xyz[:, :2] / xyz[:, 2:] * f + c
    uvz = np.concatenate([uv, xyz[:, 2:] - 5000.0], axis=1)
    np.testing.assert_allclose(image_to_camera(uvz, 5000.0, f, c), xyz)


def test_missing_inputs_are_named():
    metric = METRICS.build(dict(type='RootRelativeMPJPE'))
    with pytest.raises(KeyError, match='camera_param'):
        metric.process([], [_sample(OCTAHEDRON, OCTAHEDRON)])
    with pytest.raises(ValueError, match='pred_space'):
        METRICS.build(dict(type='RootRelativeMPJPE', pred_space='world'))


def test_ground_truth_through_the_whole_chain_scores_zero():
    """Dataset -> val pipeline -> codec labels -> head decode ->
    TopdownPoseEstimator.add_pred_to_datasample -> Evaluator: the ground
    truth labels as predictions give 0 mm, so crop, image and camera
    conventions agree."""
    init_default_scope('mmpose')
    cfg = Config.fromfile(
        'configs/_base_/datasets/h36m_mpii_sample_volumetric_64x64.py')
    dataset = DATASETS.build(cfg.val_dataloader.dataset)
    model = MODELS.build(
        dict(
            type='TopdownPoseEstimator',
            backbone=dict(type='ResNet', depth=18, out_indices=(1, )),
            head=dict(
                type='VolumetricIntegralHead',
                in_channels=128,
                num_keypoints=18,
                depth_bins=4,
                final_layer=dict(kernel_size=1),
                decoder=cfg.codec)))
    samples = [dataset[i]['data_samples'] for i in range(len(dataset))]
    labels = np.stack(
        [s.gt_instance_labels.keypoint_labels.numpy() for s in samples])
    preds = model.head.decode(torch.as_tensor(labels))  # (B, 1, K, 3)
    samples = model.add_pred_to_datasample(preds, None, samples)
    evaluator = Evaluator([METRICS.build(m) for m in cfg.val_evaluator])
    evaluator.dataset_meta = dataset.metainfo
    evaluator.process(samples)
    res = evaluator.evaluate(len(samples))
    assert res['MPJPE'] == pytest.approx(0, abs=0.05)
    assert res['PA-MPJPE'] == pytest.approx(0, abs=0.05)
    assert 'MPJPE_WalkDog' in res
