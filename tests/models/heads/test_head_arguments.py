"""Defaults and passed-on arguments of the two heads, checked by their
effect (mutants of ``mmposenas/models/heads`` the older tests let through,
see docs/testing.md)."""
import pytest
import torch
from mmengine.structures import InstanceData
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample

import mmposenas  # noqa: F401
from mmposenas.models.heads.vector_in_pixel_head import PartVectorLayer


def test_part_vector_layer_default_is_relu_then_conv2d():
    layer = PartVectorLayer(3, num_joints=2, vector_dim=4)
    assert layer.mode == 'conv2d' and not hasattr(layer, 'conv3d')
    conv = layer.layers[1]
    assert isinstance(layer.layers[0], torch.nn.ReLU)
    assert (conv.in_channels, conv.out_channels) == (3, 8)
    with torch.no_grad():
        conv.weight.fill_(1.0)
        conv.bias.zero_()
    x = torch.tensor([-2.0, 1.0, 0.5]).view(1, 3, 1, 1)
    # ReLU first: the negative channel adds nothing, every entry = 1.5
    assert torch.equal(layer(x), torch.full((1, 2, 4, 1, 1), 1.5))


def test_conv3d_mode_applies_relu_to_the_feature_volume():
    layer = PartVectorLayer(2, num_joints=1, vector_dim=2, mode='conv3d')
    with torch.no_grad():
        layer.layers[0].weight.zero_()
        layer.layers[0].bias.copy_(torch.tensor([-3.0, 2.0, 1.0, -1.0]))
        layer.conv3d.weight.fill_(1.0)
        layer.conv3d.bias.zero_()
    v = layer(torch.zeros(1, 2, 1, 1))
    # volume (C=2, d=2) = relu([[-3, 2], [1, -1]]) = [[0, 2], [1, 0]];
    # the joint sums the channels: (1, 2)
    assert torch.equal(v.flatten(), torch.tensor([1.0, 2.0]))


def test_vector_in_pixel_head_defaults():
    h = MODELS.build(dict(type='VectorInPixelHead', in_channels=4,
                          out_channels=17))
    assert h.body_parts.names == ['head', 'upper_limb', 'lower_limb']
    assert h.body_parts.groups[0] == [0, 1, 2, 3, 4]
    assert h.vector_dim == 8 and h.mode == 'conv2d' and h.merge == 'mean'
    assert h.in_channels == 4
    assert [layer.layers[1].out_channels for layer in h.part_layers] == [
        5 * 8, 6 * 8, 6 * 8]
    # HeatmapHead's deconvs and final conv are switched off: only the part
    # layers carry parameters
    assert sum(p.numel() for p in h.parameters()) == sum(
        p.numel() for p in h.part_layers.parameters())
    assert sorted(h.state_dict()) == sorted(
        f'part_layers.{i}.layers.1.{n}' for i in range(3)
        for n in ('weight', 'bias'))  # index / coverage buffers not saved


def test_vector_in_pixel_head_passes_its_arguments_on():
    decoder = dict(type='MSRAHeatmap', input_size=(48, 64),
                   heatmap_size=(12, 16), sigma=2)
    h = MODELS.build(dict(
        type='VectorInPixelHead',
        in_channels=[3, 5],
        out_channels=17,
        parts=[['face', ['nose', 'left_eye', 'right_eye', 'left_ear',
                         'right_ear']],
               ['body', list(range(5, 17))]],
        dataset='coco',
        vector_dim=2,
        loss=dict(type='KeypointMSELoss', use_target_weight=False),
        decoder=decoder,
        init_cfg=dict(type='Constant', layer='Conv2d', val=0.5, bias=0.)))
    assert [layer.layers[1].in_channels for layer in h.part_layers] == [3, 5]
    assert h.body_parts.groups == [[0, 1, 2, 3, 4], list(range(5, 17))]
    assert h.loss_module.use_target_weight is False
    assert h.decoder is not None and h.decoder.sigma == 2
    h.init_weights()
    assert torch.all(h.part_layers[1].layers[1].weight == 0.5)


def test_flip_test_needs_a_list_of_two_feature_sets():
    head = MODELS.build(dict(
        type='VolumetricIntegralHead', in_channels=2 * 2, num_keypoints=2,
        depth_bins=2))
    sample = PoseDataSample(metainfo=dict(flip_indices=[1, 0]))
    sample.gt_instances = InstanceData()
    feats = (torch.zeros(1, 4, 4, 4), )
    for bad in ((feats, feats), [feats, feats, feats]):
        with pytest.raises(ValueError, match=r'\[orig, flipped\]'):
            head.predict(bad, [sample], test_cfg=dict(flip_test=True))


def _volumetric(**kwargs):
    cfg = dict(type='VolumetricIntegralHead', in_channels=3 * 2,
               num_keypoints=3, depth_bins=2)
    cfg.update(kwargs)
    return MODELS.build(cfg)


def test_volumetric_head_sizes_and_layers():
    one = _volumetric(in_channels=1, num_keypoints=1, depth_bins=1)
    assert one.in_channels == 1
    assert one(torch.zeros(1, 1, 2, 2)).tolist() == [[[0.5, 0.5, 0.5]]]
    for k, d in ((0, 2), (2, 0)):
        with pytest.raises(ValueError, match='must be positive'):
            _volumetric(num_keypoints=k, depth_bins=d)
    # three deconvs of different widths, default kernel 4: the final conv
    # reads the last one; final_layer={} is a 1x1 conv
    head = _volumetric(in_channels=5, deconv_out_channels=(7, 6, 4),
                       final_layer={})
    convs = [m for m in head.deconv_layers
             if isinstance(m, torch.nn.ConvTranspose2d)]
    assert [c.kernel_size for c in convs] == [(4, 4)] * 3
    assert head.final_layer.in_channels == 4
    assert head.final_layer.kernel_size == (1, 1)
    assert head((torch.zeros(1, 5, 2, 3), )).shape == (1, 3, 3)
    assert head.volumes(torch.zeros(1, 5, 2, 3)).shape == (1, 3, 2, 16, 24)
    # kernels 3 and 2 also double the size exactly (padding, output padding)
    odd = _volumetric(in_channels=5, deconv_out_channels=(4, 4),
                      deconv_kernel_sizes=(3, 2), final_layer={})
    assert odd.volumes(torch.zeros(1, 5, 3, 5)).shape == (1, 3, 2, 12, 20)


def test_volumetric_head_init_cfg_and_beta():
    head = _volumetric(in_channels=4, final_layer=dict(kernel_size=1),
                       init_cfg=dict(type='Constant', layer='Conv2d',
                                     val=0.25, bias=0.))
    head.init_weights()
    assert torch.all(head.final_layer.weight == 0.25)
    torch.manual_seed(0)
    feats = torch.randn(2, 6, 3, 4)
    sharp = _volumetric(beta=3.0)
    vol = feats.reshape(2, 3, 2, 3, 4)
    from mmposenas.models.utils import soft_argmax_3d
    expected = soft_argmax_3d(vol, beta=3.0)
    # a bare tensor is the last feature map too
    torch.testing.assert_close(sharp(feats), expected)
    torch.testing.assert_close(sharp((feats, )), expected)
    assert not torch.allclose(expected, soft_argmax_3d(vol))
    # intermediate maps use the same beta
    aux_feats = torch.randn(2, 6, 2, 2)
    labels = torch.rand(2, 3, 3)
    samples = []
    for lbl in labels:
        s = PoseDataSample()
        s.gt_instance_labels = InstanceData(
            keypoint_labels=lbl[None], keypoint_weights=torch.ones(1, 3),
            keypoint_depth_weights=torch.ones(1, 3))
        samples.append(s)
    sharp_aux = _volumetric(beta=3.0, intermediate_weights=[2.0])
    losses = sharp_aux.loss((aux_feats, feats), samples)
    aux = soft_argmax_3d(aux_feats.reshape(2, 3, 2, 2, 2), beta=3.0)
    torch.testing.assert_close(losses['loss_kpt_aux0'],
                               2.0 * (aux - labels).abs().mean())
    with pytest.raises(ValueError, match='returned 0 intermediate'):
        sharp_aux.loss(feats, samples)


def test_volumetric_head_acc_pose_is_pck_at_0_05_of_visible_joints():
    """Sharp peaks put joints at voxel centres: joint 0 on its label, joint
    1 0.25 off in x, joint 2 far off but with weight 0."""
    head = _volumetric(depth_bins=1, in_channels=3)
    feats = torch.full((1, 3, 4, 4), -50.0)
    feats[0, 0, 1, 2] = 50.0  # centre (2.5 / 4, 1.5 / 4)
    feats[0, 1, 0, 0] = 50.0  # centre (0.125, 0.125)
    feats[0, 2, 3, 3] = 50.0
    s = PoseDataSample()
    s.gt_instance_labels = InstanceData(
        keypoint_labels=torch.tensor([[[0.625, 0.375, 0.5],
                                       [0.375, 0.125, 0.5],
                                       [0.0, 0.0, 0.5]]]),
        keypoint_weights=torch.tensor([[1.0, 1.0, 0.0]]))
    losses = head.loss((feats, ), [s])
    assert losses['acc_pose'].item() == pytest.approx(0.5)
    # L1 over x, y of the two weighted joints (no depth weights: z is 0)
    assert losses['loss_kpt'].item() == pytest.approx(0.25 / 9, abs=1e-6)
