"""HeatmapLiftingEstimator: image-space soft-argmax, normalisation, gradients."""
import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData, PixelData
from mmpose.registry import KEYPOINT_CODECS, MODELS
from mmpose.structures import PoseDataSample

import mmposenas  # noqa: F401
from mmposenas.codecs.normalised_pose_lifting import (compute_lifting_stats,
                                                      save_lifting_stats)

K = 18
CODEC = dict(type='MSRAHeatmap', input_size=(64, 64), heatmap_size=(16, 16),
             sigma=1)


@pytest.fixture(scope='module')
def stats_file(tmp_path_factory):
    rng = np.random.default_rng(0)
    kpts = rng.normal(500, 80, size=(40, K, 2))
    xyz = rng.normal(0, 300, size=(40, K, 3))
    path = str(tmp_path_factory.mktemp('stats') / 'stats.json')
    save_lifting_stats(path, compute_lifting_stats(kpts, xyz))
    return path


def _model(stats_file, lambda_2d=0.01):
    init_default_scope('mmpose')
    lifting_codec = dict(type='NormalisedImagePoseLifting', num_keypoints=K,
                         stats_file=stats_file)
    return MODELS.build(dict(
        type='HeatmapLiftingEstimator',
        lambda_2d=lambda_2d,
        beta=30.,
        data_preprocessor=dict(type='PoseDataPreprocessor'),
        pose2d=dict(
            type='TopdownPoseEstimator',
            backbone=dict(type='ResNet', depth=18, stem_channels=8,
                          base_channels=8),
            head=dict(type='HeatmapHead', in_channels=64, out_channels=K,
                      deconv_out_channels=(8, 8, 8),
                      deconv_kernel_sizes=(4, 4, 4),
                      loss=dict(type='KeypointMSELoss',
                                use_target_weight=True),
                      decoder=CODEC)),
        lifter=dict(
            type='PoseLifter',
            backbone=dict(type='TCN', in_channels=2 * K, stem_channels=32,
                          num_blocks=2, kernel_sizes=(1, 1, 1), dropout=0.),
            head=dict(type='TemporalRegressionHead', in_channels=32,
                      num_joints=K - 1, loss=dict(type='MSELoss'),
                      decoder=lifting_codec))))


def _samples(n, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        target = rng.normal(0, 300, size=(1, K, 3)).astype(np.float32)
        d = PoseDataSample(metainfo=dict(
            input_size=(64, 64),
            input_center=rng.uniform(300, 700, 2).astype(np.float32),
            input_scale=np.array([320., 320.], np.float32),
            lifting_target=target,
            lifting_target_visible=np.ones((1, K), np.float32)))
        d.gt_fields = PixelData(heatmaps=torch.rand(K, 16, 16))
        d.gt_instance_labels = InstanceData(
            keypoint_weights=torch.ones(1, K))
        out.append(d)
    return out


def test_soft_argmax_lands_where_mmpose_decodes(stats_file):
    """A sharp heatmap peak -> the image pixel MMPose's decoder gives."""
    model = _model(stats_file)
    heatmaps = torch.full((1, K, 16, 16), -10.)
    peaks = [(3, 5), (12, 7), (0, 15)]  # (x, y) heatmap pixels
    for k, (x, y) in enumerate(peaks):
        heatmaps[0, k, y, x] = 10.
    size = torch.tensor([64., 64.])
    centre = torch.tensor([[500., 400.]])
    scale = torch.tensor([[320., 320.]])
    img = model.heatmaps_to_image(heatmaps, size, centre, scale)[0]
    codec = KEYPOINT_CODECS.build(dict(CODEC, unbiased=False))
    crop, _ = codec.decode(heatmaps[0].numpy())  # crop pixels (1, K, 2)
    expected = crop[0] / 64 * 320 + np.array([500., 400.]) - 160
    np.testing.assert_allclose(img[:3].numpy(), expected[:3], atol=1e-2)


def test_targets_normalise_and_denormalise_back(stats_file):
    model = _model(stats_file)
    samples = _samples(3)
    target, weight = model.normalised_targets(samples, torch.device('cpu'))
    assert target.shape == (3, K - 1, 3) and weight.shape == (3, K - 1)
    joints = model.denormalise(target)
    for i, d in enumerate(samples):
        t = d.metainfo['lifting_target'][0]
        np.testing.assert_allclose(joints[i].numpy(), t - t[0], atol=1e-3)


def test_joint_loss_sends_gradients_into_the_2d_network(stats_file):
    torch.manual_seed(0)
    model = _model(stats_file, lambda_2d=0.)  # 3D loss only
    inputs = torch.randn(2, 3, 64, 64)
    losses = model.loss(inputs, _samples(2))
    assert set(losses) == {'loss_pose3d', 'mpjpe_mm'}
    losses['loss_pose3d'].backward()
    stem = model.pose2d.backbone.conv1.weight.grad
    deconv = model.pose2d.head.deconv_layers[0].weight.grad
    assert stem is not None and stem.abs().sum() > 0
    assert deconv is not None and deconv.abs().sum() > 0
    # λ L_2d is added with its weight
    model = _model(stats_file, lambda_2d=0.5)
    torch.manual_seed(0)
    losses = model.loss(inputs, _samples(2))
    assert losses['loss_kpt'] > 0


def test_predict_returns_root_relative_millimetres(stats_file):
    model = _model(stats_file).eval()
    samples = model.predict(torch.randn(2, 3, 64, 64), _samples(2))
    kpts = samples[0].pred_instances.keypoints
    assert kpts.shape == (1, K, 3)
    np.testing.assert_array_equal(kpts[0, 0], 0.)  # root
    assert samples[0].pred_instances.keypoints_2d.shape == (1, K, 2)
