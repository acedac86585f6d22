"""Values of DartsCellBackbone's construction: defaults, options, fixed mode.

Each test checks what an argument must change (or must not change), so a
dropped argument, a changed default or an inverted condition fails.
"""
import pytest
import torch
import torch.nn as nn

from mmposenas.models.backbones import DartsCellBackbone
from mmposenas.models.search import (Genotype, GenotypeError, MixedOp,
                                     resolve_op_names)

DARTS_OPS = resolve_op_names('darts')


def _fixed_genotype(num_inputs=2):
    cell = dict(nodes=[[['sep_conv_3x3', 0], ['skip_connect', 1]],
                       [['max_pool_3x3', 0], ['dil_conv_3x3', 2]]],
                concat=[2, 3], num_inputs=num_inputs)
    return dict(cells=dict(normal=cell, reduce=cell))


def test_default_supernet_layout():
    net = DartsCellBackbone()
    conv, bn = net.stem  # stem: conv then BatchNorm, nothing else
    assert isinstance(bn, nn.BatchNorm2d) and bn.num_features == 16
    assert conv.weight.shape == (16, 3, 3, 3) and conv.bias is None
    assert conv.stride == (2, 2) and conv.padding == (1, 1)
    assert [c.cell_type for c in net.cells] == ['normal', 'reduce', 'normal']
    assert [c.num_nodes for c in net.cells] == [4, 4, 4]
    # C = 8, doubled by the reduction cell; a cell concatenates 4 nodes
    assert [c.out_channels for c in net.cells] == [32, 64, 64]
    assert net.out_channels == [64]
    arch = net.arch_params
    assert arch.sampling == 'softmax' and arch.tau == 1.0
    assert {k: tuple(v.shape) for k, v in arch.alphas.items()} == {
        'normal': (14, len(DARTS_OPS)), 'reduce': (14, len(DARTS_OPS))}
    assert len(arch.edge_alphas) == 0  # no edge normalisation by default
    mixed = [m for m in net.modules() if isinstance(m, MixedOp)]
    assert mixed and all(m.partial_channels == 1 for m in mixed)
    # supernet BatchNorms are not affine
    assert all(not m.affine for c in net.cells for m in c.modules()
               if isinstance(m, nn.BatchNorm2d))
    assert net.channels_last is False and net.max_skip is None


def test_sampling_tau_and_edge_normalization_reach_the_alpha_module():
    net = DartsCellBackbone(channels=4, stem_channels=4, num_nodes=2,
                            sampling='gumbel', tau=0.25,
                            edge_normalization=True)
    arch = net.arch_params
    assert arch.sampling == 'gumbel' and arch.tau == 0.25
    # one logit per incoming edge of each of the 2 nodes (2 + 3 edges)
    assert {k: tuple(v.shape) for k, v in arch.edge_alphas.items()} == {
        'normal': (5, ), 'reduce': (5, )}
    assert net.cells[0].edge_groups == [2, 3]


def test_partial_channels_only_in_the_supernet():
    sup = DartsCellBackbone(channels=4, stem_channels=4, num_nodes=2,
                            partial_channels=2)
    assert {m.partial_channels for m in sup.modules()
            if isinstance(m, MixedOp)} == {2}
    torch.manual_seed(0)
    fixed4 = DartsCellBackbone(channels=4, stem_channels=4, num_nodes=2,
                               genotype=_fixed_genotype(),
                               partial_channels=4)
    torch.manual_seed(0)
    fixed1 = DartsCellBackbone(channels=4, stem_channels=4, num_nodes=2,
                               genotype=_fixed_genotype())
    s4, s1 = fixed4.state_dict(), fixed1.state_dict()
    assert list(s4) == list(s1)
    assert all(torch.equal(s4[k], s1[k]) for k in s1)
    fixed4.eval()
    fixed1.eval()
    x = torch.randn(1, 3, 16, 12)
    assert torch.equal(fixed4(x)[0], fixed1(x)[0])


def test_fixed_network_is_affine_keeps_its_genotype_and_checks_inputs():
    net = DartsCellBackbone(channels=4, stem_channels=4, num_nodes=2,
                            genotype=_fixed_genotype())
    assert net.arch_params is None
    expected = Genotype.coerce(_fixed_genotype())
    assert net.genotype == expected and net.derive_genotype() == expected
    bns = [m for c in net.cells for m in c.modules()
           if isinstance(m, nn.BatchNorm2d)]
    assert bns and all(m.affine for m in bns)
    with pytest.raises(GenotypeError, match='num_inputs'):
        DartsCellBackbone(channels=4, stem_channels=4, num_nodes=2,
                          genotype=_fixed_genotype(num_inputs=3))


def test_channels_last_runs_the_stem_in_channels_last_memory():
    seen = []

    def record(module, args):
        seen.append(args[0].is_contiguous(memory_format=torch.channels_last))

    outs = {}
    for flag in (False, True):
        torch.manual_seed(0)
        net = DartsCellBackbone(channels=4, stem_channels=4, num_nodes=2,
                                channels_last=flag).eval()
        handle = net.stem.register_forward_pre_hook(record)
        torch.manual_seed(1)
        outs[flag] = net(torch.randn(2, 3, 16, 12))[0]
        handle.remove()
    assert seen == [False, True]
    torch.testing.assert_close(outs[True], outs[False], rtol=1e-5,
                               atol=1e-5)


def test_max_skip_caps_the_derived_skip_connections():
    def derived(max_skip):
        net = DartsCellBackbone(channels=4, stem_channels=4, num_nodes=3,
                                max_skip=max_skip)
        with torch.no_grad():
            for a in net.arch_params.alphas.values():
                a.zero_()
                a[:, DARTS_OPS.index('skip_connect')] = 5.0
                a[:, DARTS_OPS.index('sep_conv_3x3')] = 1.0
        cell = net.derive_genotype()['normal']
        return sum(op == 'skip_connect' for node in cell.nodes
                   for op, _ in node)

    assert derived(None) == 6  # 3 nodes x 2 edges, all skips
    assert derived(1) == 1


def test_derived_genotype_records_the_op_names_and_init_cfg_is_kept():
    ops = ['skip_connect', 'sep_conv_3x3', 'max_pool_3x3']
    init_cfg = dict(type='Kaiming', layer='Conv2d')
    net = DartsCellBackbone(channels=4, stem_channels=4, num_nodes=2,
                            op_set=ops, init_cfg=init_cfg)
    assert net.derive_genotype().extras == dict(op_names=ops)
    assert net.init_cfg == init_cfg


def test_edge_normalization_weights_enter_the_forward_pass():
    torch.manual_seed(0)
    net = DartsCellBackbone(channels=4, stem_channels=4, num_nodes=2,
                            edge_normalization=True).eval()
    x = torch.randn(1, 3, 16, 12)
    with torch.no_grad():
        before = net(x)[0]
        for beta in net.arch_params.edge_alphas.values():
            beta[0] += 3.0  # favour one incoming edge of node 0
        after = net(x)[0]
    assert (after - before).abs().max() > 1e-3
