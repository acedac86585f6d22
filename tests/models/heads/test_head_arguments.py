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
