"""Intermediate supervision: each auxiliary loss is weight x its own L1."""
import pytest
import torch
from mmengine.structures import InstanceData
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample

import mmposenas  # noqa: F401
from mmposenas.models.utils import soft_argmax_3d

K, D = 5, 3


def samples(labels, depth_weights):
    out = []
    for lbl, dw in zip(labels, depth_weights):
        s = PoseDataSample()
        s.gt_instance_labels = InstanceData(
            keypoint_labels=lbl[None], keypoint_weights=torch.ones(1, K),
            keypoint_depth_weights=dw[None])
        out.append(s)
    return out


def l1(feat, labels, depth_weights):
    """Mean L1 over (B, K, 3) of the soft-argmax of a (B, K*D, h, w) map,
    z masked by the depth weights (MMPose's L1Loss with target weights)."""
    b, _, h, w = feat.shape
    pred = soft_argmax_3d(feat.reshape(b, K, D, h, w))
    weight = torch.ones_like(pred)
    weight[..., 2] = depth_weights
    return ((pred - labels).abs() * weight).mean()


@pytest.mark.parametrize('weights', [[0.5, 2.0], [0.0, 1.0]])
def test_aux_losses_are_weight_times_their_l1(weights):
    torch.manual_seed(0)
    feats = (torch.randn(2, K * D, 4, 4), torch.randn(2, K * D, 8, 8),
             torch.randn(2, K * D, 16, 16))
    labels = torch.rand(2, K, 3)
    depth_weights = torch.tensor([[1., 1., 0., 1., 1.], [0.] * K])
    head = MODELS.build(dict(type='VolumetricIntegralHead', in_channels=K * D,
                             num_keypoints=K, depth_bins=D,
                             intermediate_weights=weights))
    losses = head.loss(feats, samples(labels, depth_weights))
    assert set(losses) == {'loss_kpt', 'loss_kpt_aux0', 'loss_kpt_aux1',
                           'acc_pose'}
    torch.testing.assert_close(losses['loss_kpt'],
                               l1(feats[2], labels, depth_weights))
    for i, w in enumerate(weights):
        # map i (coarse to fine) with its own weight
        torch.testing.assert_close(losses[f'loss_kpt_aux{i}'],
                                   w * l1(feats[i], labels, depth_weights))
    # the maps are distinct enough that a swapped map or weight shows
    assert abs(l1(feats[0], labels, depth_weights) -
               l1(feats[1], labels, depth_weights)) > 1e-3
