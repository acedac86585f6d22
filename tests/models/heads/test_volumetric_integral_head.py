"""VolumetricIntegralHead: layout, loss masking, flip test, MMPose wiring."""
import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample

import mmposenas  # noqa: F401
from mmposenas.datasets.h36m_image_dataset import H36M18_METAINFO
from mmposenas.models.utils import soft_argmax_3d

K, D, H, W = 18, 8, 16, 12
INPUT_SIZE = (48, 64)
FLIP_INDICES = parse_pose_metainfo(H36M18_METAINFO)['flip_indices']


def _head(**kwargs):
    cfg = dict(
        type='VolumetricIntegralHead',
        in_channels=K * D,
        num_keypoints=K,
        depth_bins=D,
        decoder=dict(
            type='VolumetricIntegralLabel',
            input_size=INPUT_SIZE,
            depth_range=2000.))
    cfg.update(kwargs)
    return MODELS.build(cfg)


def _sample(labels, weights, depth_weights=None):
    ds = PoseDataSample(
        metainfo=dict(flip_indices=FLIP_INDICES, input_size=INPUT_SIZE))
    gt = InstanceData()
    gt.keypoint_labels = torch.as_tensor(labels, dtype=torch.float32)[None]
    gt.keypoint_weights = torch.as_tensor(weights, dtype=torch.float32)[None]
    if depth_weights is not None:
        gt.keypoint_depth_weights = torch.as_tensor(
            depth_weights, dtype=torch.float32)[None]
    ds.gt_instance_labels = gt
    return ds


def test_forward_reads_k_times_d_channels_joint_major():
    head = _head()
    feats = torch.full((2, K * D, H, W), -30.0)
    # joint 5 peaks at depth bin 6, row 2, column 9
    feats[:, 5 * D + 6, 2, 9] = 30.0
    coords = head((torch.zeros(1), feats))  # uses the last feature map
    assert coords.shape == (2, K, 3)
    np.testing.assert_allclose(
        coords[0, 5].numpy(), [(9 + .5) / W, (2 + .5) / H, (6 + .5) / D],
        atol=1e-6)
    with pytest.raises(ValueError, match='K=18 x D=8'):
        head((torch.zeros(1, K * D + 1, H, W), ))
    with pytest.raises(ValueError, match='num_keypoints \\* depth_bins'):
        _head(in_channels=32)


def test_final_layer():
    head = _head(in_channels=32, final_layer=dict(kernel_size=1))
    assert head((torch.randn(2, 32, H, W), )).shape == (2, K, 3)


def test_loss_ignores_depth_of_two_d_only_samples():
    torch.manual_seed(0)
    head = _head()
    feats = torch.randn(2, K * D, H, W, requires_grad=True)
    labels = torch.rand(K, 3)
    other_z = labels.clone()
    other_z[:, 2] = 1 - other_z[:, 2]
    ones = torch.ones(K)

    def loss(lbl, depth_w):
        return head.loss((feats, ), [
            _sample(lbl, ones, depth_w),
            _sample(lbl, ones, depth_w),
        ])['loss_kpt']

    # 2D-only labels (depth weight 0 or missing): z label has no effect
    assert torch.allclose(loss(labels, torch.zeros(K)),
                          loss(other_z, torch.zeros(K)))
    assert torch.allclose(loss(labels, None), loss(other_z, None))
    # 3D labels: it has
    assert not torch.allclose(loss(labels, ones), loss(other_z, ones))
    # the loss is L1 on normalised coordinates
    pred = head((feats, ))
    expected = (pred - labels).abs().mean()
    torch.testing.assert_close(loss(labels, ones), expected)
    losses = head.loss((feats, ), [_sample(labels, ones, ones)] * 2)
    losses['loss_kpt'].backward()
    assert feats.grad is not None and 'acc_pose' in losses


def _mirror_features(feats):
    """What the backbone would see for the flipped image: columns reversed
    and left/right joints swapped."""
    blocks = feats.reshape(feats.shape[0], K, D, H, W).flip(-1)
    return blocks[:, FLIP_INDICES].reshape(feats.shape)


def test_flip_test_averages_with_joint_swap():
    torch.manual_seed(0)
    head = _head()
    samples = [_sample(torch.zeros(K, 3), torch.ones(K))]
    feats = torch.randn(1, K * D, H, W) * 2
    plain = head.predict((feats, ), samples, test_cfg={})[0].keypoints

    # features of a perfectly flip-equivariant network: same prediction
    flip = head.predict([(feats, ), (_mirror_features(feats), )], samples,
                        test_cfg=dict(flip_test=True))[0].keypoints
    np.testing.assert_allclose(flip, plain, atol=1e-3)  # px and mm

    # any other flipped features: mean of original and un-mirrored flipped
    other = torch.randn(1, K * D, H, W) * 2
    out = head.predict([(feats, ), (other, )], samples,
                       test_cfg=dict(flip_test=True))[0].keypoints
    c_other = soft_argmax_3d(other.reshape(1, K, D, H, W))
    c_other[..., 0] = 1 - c_other[..., 0]
    c_other = c_other[:, FLIP_INDICES]
    c_mean = (soft_argmax_3d(feats.reshape(1, K, D, H, W)) + c_other) / 2
    expected, _ = head.decoder.decode(c_mean.numpy())
    np.testing.assert_allclose(out, expected, atol=1e-3)


def test_topdown_pose_estimator_train_and_flip_predict():
    """The head inside MMPose's TopdownPoseEstimator: loss and predict."""
    init_default_scope('mmpose')
    torch.manual_seed(0)
    model = MODELS.build(
        dict(
            type='TopdownPoseEstimator',
            data_preprocessor=dict(
                type='PoseDataPreprocessor',
                mean=[123.675, 116.28, 103.53],
                std=[58.395, 57.12, 57.375],
                bgr_to_rgb=True),
            backbone=dict(
                type='ResNet', depth=18, out_indices=(1, ), strides=(1, 1,
                                                                     2, 2)),
            head=dict(
                type='VolumetricIntegralHead',
                in_channels=128,
                num_keypoints=K,
                depth_bins=D,
                final_layer=dict(kernel_size=1),
                decoder=dict(
                    type='VolumetricIntegralLabel',
                    input_size=INPUT_SIZE,
                    depth_range=2000.)),
            test_cfg=dict(flip_test=True)))
    inputs = torch.randint(0, 255, (2, 3, INPUT_SIZE[1], INPUT_SIZE[0]),
                           dtype=torch.uint8)
    samples = []
    for _ in range(2):
        ds = _sample(torch.rand(K, 3), torch.ones(K), torch.ones(K))
        ds.set_metainfo(
            dict(
                input_center=np.array([100., 80.]),
                input_scale=np.array([96., 128.])))
        ds.gt_instances = InstanceData(
            bboxes=np.array([[52., 16., 148., 144.]]),
            bbox_scores=np.ones(1))
        samples.append(ds)
    data = model.data_preprocessor(
        dict(inputs=list(inputs), data_samples=samples), training=True)
    losses = model(**data, mode='loss')
    assert torch.isfinite(losses['loss_kpt'])
    model.eval()
    with torch.no_grad():
        out = model(**data, mode='predict')
    kpts = out[0].pred_instances.keypoints
    assert kpts.shape == (1, K, 3)
    # (u, v) mapped back to the image: inside the 96x128 box around (100, 80)
    assert (kpts[..., 0] >= 52 - 1).all() and (kpts[..., 0] <= 148).all()
    assert (np.abs(kpts[..., 2]) <= 1000).all()


def test_deconv_layers_upsample_8x_and_count_parameters():
    head = _head(in_channels=32, deconv_out_channels=(16, 16, 16),
                 deconv_kernel_sizes=(4, 4, 4),
                 final_layer=dict(kernel_size=1))
    deconvs = [m for m in head.deconv_layers
               if isinstance(m, torch.nn.ConvTranspose2d)]
    assert [(m.stride, m.kernel_size) for m in deconvs] == [((2, 2),
                                                             (4, 4))] * 3
    # 3 deconvs (no bias) + 3 BN (weight, bias) + 1x1 conv with bias
    expected = (32 * 16 * 16 + 2 * 16 * 16 * 16 + 3 * 2 * 16 +
                16 * K * D + K * D)
    assert sum(p.numel() for p in head.parameters()) == expected
    vol = head.volumes((torch.randn(2, 32, 2, 3), ))
    assert vol.shape == (2, K, D, 16, 24)
    coords = head.forward((torch.randn(2, 32, 2, 3), ))
    assert coords.shape == (2, K, 3) and coords.min() > 0 and \
        coords.max() < 1


def test_deconv_arguments_are_checked():
    with pytest.raises(ValueError, match='needs a final_layer'):
        _head(in_channels=32, deconv_out_channels=(16, ))
    with pytest.raises(ValueError, match='one entry per'):
        _head(in_channels=32, deconv_out_channels=(16, 16),
              deconv_kernel_sizes=(4, ), final_layer=dict(kernel_size=1))
    with pytest.raises(ValueError, match='2, 3 or 4'):
        _head(in_channels=32, deconv_out_channels=(16, ),
              deconv_kernel_sizes=(5, ), final_layer=dict(kernel_size=1))
