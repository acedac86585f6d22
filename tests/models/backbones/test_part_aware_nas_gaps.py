"""PartAwareNASBackbone and Eq. 8: count checks, the stem, BatchNorm affine
of fixed vs searchable networks, the joint-order buffers, ``out_channels``,
the α module's sampling and a fixed network's genotype (surviving mutants of
``part_aware_nas.py`` listed as gaps in docs/testing.md)."""
import copy

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpose.registry import MODELS

import mmposenas  # noqa: F401
from mmposenas.models.backbones import cell_layout, reduction_positions
from mmposenas.models.backbones.part_aware_nas import joint_major_index
from mmposenas.models.search import Genotype, GenotypeError

UNEVEN = [[0, 1, 2, 3, 4, 5, 6], [7, 8], [9, 10, 11, 12, 13, 14, 15, 16, 17]]
TINY = dict(type='PartAwareNASBackbone', num_keypoints=18, depth_bins=4,
            groups=UNEVEN, num_cells=5, num_reductions=2, num_fusions=2,
            stem_channels=8, channels=4, num_nodes=2, joint_channels=2)


@pytest.mark.parametrize('rule', ['darts', 'literal'])
def test_reduction_positions_edge_counts(rule):
    # one reduction: E = 4 encoder cells, P_1 = 4 // 2 + 1 = 3 in both
    # readings (a single position is also the last one)
    assert reduction_positions(5, 1, 1, rule) == [3]
    # no reductions, and the smallest network (N_c = 1) are valid
    assert reduction_positions(5, 0, 1, rule) == []
    assert reduction_positions(1, 0, 1, rule) == []
    assert reduction_positions(1, 0, 0, rule) == []
    assert cell_layout(5, 0, 1, rule) == ['normal'] * 4 + ['fusion']
    assert cell_layout(5, 1, 1, rule) == ['normal', 'normal', 'reduce',
                                          'normal', 'fusion']
    for counts in [(5, -1, 1), (5, 1, -1), (-1, 0, 0), (0, 0, 0)]:
        with pytest.raises(ValueError, match='must be non-negative'):
            reduction_positions(*counts, rule)


def test_default_node_channels_are_16():
    cfg = dict(TINY)
    del cfg['channels']
    net = MODELS.build(cfg)
    assert net.layout[:2] == ['normal', 'reduce']
    # normal cell: 2 input nodes and 2 intermediate nodes of C = 16 channels
    assert net.cells[0].state_channels == [16] * 4
    assert net.cells[0].out_channels == 32
    assert net.cells[1].state_channels == [32] * 4  # doubled by a reduction


def test_fixed_genotype_must_have_two_input_nodes():
    g = MODELS.build(TINY).derive_genotype()
    data = copy.deepcopy(g.to_dict())
    data['cells']['normal'].update(num_inputs=3, concat=[3, 4])
    with pytest.raises(GenotypeError,
                       match=r'cells\.normal\.num_inputs: found 3'):
        MODELS.build(dict(TINY, genotype=Genotype.from_dict(data),
                          groups=None))


def _cell_batchnorms(net):
    bns = [m for m in net.cells.modules() if isinstance(m, nn.BatchNorm2d)]
    assert bns
    return bns


def test_batchnorm_affine_only_in_the_fixed_network():
    supernet = MODELS.build(TINY)
    # DARTS search: no affine BatchNorm parameters inside the cells
    for bn in _cell_batchnorms(supernet):
        assert bn.affine is False and bn.weight is None and bn.bias is None
    fixed = MODELS.build(dict(TINY, genotype=supernet.derive_genotype(),
                              groups=None))
    for bn in _cell_batchnorms(fixed):
        assert bn.affine is True
        assert bn.weight.shape == bn.bias.shape == (bn.num_features, )


def test_stem_is_a_strided_3x3_conv_without_bias_then_batchnorm():
    net = MODELS.build(dict(TINY, stem_stride=2))
    conv, bn = net.stem[0], net.stem[1]
    assert isinstance(bn, nn.BatchNorm2d) and len(net.stem) == 2
    assert conv.weight.shape == (8, 3, 3, 3) and conv.bias is None
    torch.manual_seed(0)
    x = torch.randn(2, 3, 16, 12)
    with torch.no_grad():
        for p in bn.parameters():
            p.uniform_(0.5, 1.5)
        # training mode: batch statistics
        ref = F.batch_norm(F.conv2d(x, conv.weight, None, 2, 1), None, None,
                           bn.weight, bn.bias, training=True)
        out = net.stem(x)
        assert out.shape == (2, 8, 8, 6)
        torch.testing.assert_close(out, ref)
        # eval mode: running statistics (a conv bias would show here)
        net.eval()
        ref = F.batch_norm(F.conv2d(x, conv.weight, None, 2, 1),
                           bn.running_mean, bn.running_var, bn.weight,
                           bn.bias, training=False)
        torch.testing.assert_close(net.stem(x), ref)


def test_joint_order_buffers_stay_out_of_the_state_dict():
    net = MODELS.build(dict(TINY, intermediate_supervision=True))
    buffers = dict(net.named_buffers())
    assert {'channel_order', 'intermediate_order'} <= set(buffers)
    state = net.state_dict()
    assert 'channel_order' not in state
    assert 'intermediate_order' not in state
    # a checkpoint of this network loaded into one whose groups hold other
    # joints (same sizes, so the same weight shapes) keeps that network's
    # own joint order
    other_groups = [[0, 1, 2, 3, 4, 5, 7], [6, 8], UNEVEN[2]]
    other = MODELS.build(dict(TINY, intermediate_supervision=True,
                              groups=other_groups))
    other.load_state_dict(state, strict=True)
    assert torch.equal(other.channel_order,
                       joint_major_index(other_groups, 4))
    assert torch.equal(other.intermediate_order,
                       joint_major_index(other_groups, 2))
    assert not torch.equal(other.channel_order, buffers['channel_order'])
    assert not torch.equal(other.intermediate_order,
                           buffers['intermediate_order'])


def test_out_channels_is_joints_times_depth_bins():
    net = MODELS.build(TINY)
    assert net.out_channels == 72 and isinstance(net.out_channels, int)
    with torch.no_grad():
        out = net(torch.randn(1, 3, 16, 16))[-1]
    assert out.shape[1] == net.out_channels


def test_sampling_and_tau_reach_the_alpha_module():
    net = MODELS.build(dict(TINY, sampling='gumbel', tau=0.25))
    assert net.arch_params.sampling == 'gumbel'
    assert net.arch_params.tau == 0.25


def test_fixed_network_keeps_its_genotype():
    g = MODELS.build(TINY).derive_genotype()
    fixed = MODELS.build(dict(TINY, genotype=g, groups=None))
    assert not fixed.is_searchable
    assert fixed.genotype.to_dict() == g.to_dict()
    assert fixed.derive_genotype().to_dict() == g.to_dict()
