"""AutoPose: exact masks, build errors, layer shapes and supernet = fixed net.

Targets ``_as_mask``, ``AutoPoseBackbone.__init__``, ``AutoPoseStem``,
``AutoPoseBranch``/``AutoPoseModule``/``AutoPoseCell`` of
``mmposenas/models/backbones/autopose.py`` (issue 14).
"""
import re

import pytest
import torch
from mmpose.registry import MODELS

import mmposenas  # noqa: F401
from mmposenas.models.backbones.autopose import AutoPoseStem, _as_mask

CFG = dict(type='AutoPoseBackbone', stem_channels=4, channels=(2, 2, 4, 4),
           num_stages=2, modules_per_stage=1, bottleneck_expansion=2)


def test_as_mask_values_and_exact_messages():
    assert _as_mask('all', (2, 3), 'W') == [[True] * 3, [True] * 3]
    assert _as_mask('none', (1, 2), 'W') == [[False, False]]
    got = _as_mask(torch.tensor([[1, 0], [0, 1]]), (2, 2), 'W')
    assert got == [[True, False], [False, True]]
    assert all(type(x) is bool for row in got for x in row)
    assert _as_mask(((0, 1),), (1, 2), 'W') == [[False, True]]
    cases = [
        ('some', 'W: expected "all", "none" or a 2x4 list of 0/1, got '
         "'some'"),
        ([[1, 0, 1, 0]], 'W: expected 2 branch vectors (one per decision) '
         'of 4 bits, got [[1, 0, 1, 0]]'),
        (5, 'W: expected 2 branch vectors (one per decision) of 4 bits, '
         'got 5'),
        ([[1, 0, 1, 0], [1, 0]], 'W[1]: expected 4 bits, got [1, 0]'),
        ([[1, 0, 1, 0], 'abcd'], "W[1]: expected 4 bits, got 'abcd'"),
        ([[1, 0, 1.0, 0], [1, 0, 1, 0]], 'W[0][2]: expected 0 or 1, got 1.0'),
        ([[1, 0, 1, 0], [1, 0, 1, 2]], 'W[1][3]: expected 0 or 1, got 2'),
    ]
    for value, msg in cases:
        with pytest.raises(ValueError, match='^' + re.escape(msg) + '$'):
            _as_mask(value, (2, 4), 'W')


@pytest.mark.parametrize('kw,msg', [
    (dict(branch_decisions='layer'), "AutoPoseBackbone: branch_decisions "
     "must be one of ('module', 'stage'), got 'layer'"),
    (dict(inactive_inputs='zero'), "AutoPoseBackbone: inactive_inputs must "
     "be one of ('drop', 'identity'), got 'zero'"),
    (dict(num_stages=0), 'AutoPoseBackbone: need num_stages >= 1, '
     'modules_per_stage >= 1 and at least one branch'),
    (dict(modules_per_stage=0), 'AutoPoseBackbone: need num_stages >= 1, '
     'modules_per_stage >= 1 and at least one branch'),
    (dict(channels=()), 'AutoPoseBackbone: need num_stages >= 1, '
     'modules_per_stage >= 1 and at least one branch'),
    (dict(channels=(6, 4)), 'AutoPoseStem: channels[0]=6 must be divisible '
     'by bottleneck_expansion=4'),
])
def test_build_errors_are_exact(kw, msg):
    cfg = dict(CFG, **kw)
    if 'channels' in kw and kw['channels']:
        cfg['bottleneck_expansion'] = 4
    with pytest.raises(ValueError, match='^' + re.escape(msg) + '$'):
        MODELS.build(cfg)


def test_supernet_attributes_and_alpha_shapes():
    net = MODELS.build(dict(CFG, channels=(2, 4, 6), num_stages=1,
                            modules_per_stage=3, individual_nodes=2,
                            aggregation_nodes=3, branches=[[1, 0, 1],
                                                           [0, 1, 1],
                                                           [0, 0, 1]],
                            sampling='softmax', tau=2.5))
    assert net.out_channels == 12 and net.num_branches == 3
    assert net.num_branch_decisions == 3 and len(net.layers) == 3
    assert net.active_branches == [[1, 0, 1], [0, 1, 1], [0, 0, 1]]
    assert net.derived_branches.dtype == torch.long
    assert net.derived_branches.tolist() == [[1, 0, 1], [0, 1, 1], [0, 0, 1]]
    assert 'derived_branches' in net.state_dict()
    # individual: 1 input, 2 nodes -> 1 + 2 edges; aggregation: 3 inputs,
    # 3 nodes -> 3 + 4 + 5 edges; 6 ops
    assert {k: tuple(a.shape) for k, a in net.arch_params.alphas.items()} \
        == {'individual': (3, 6), 'aggregation': (12, 6)}
    assert (net.arch_params.sampling, net.arch_params.tau) == ('softmax', 2.5)
    assert net.branch_derivation == {}
    # every supernet cell has non-affine BatchNorms, 2 nodes / 3 nodes
    bns = [m for m in net.layers.modules()
           if isinstance(m, torch.nn.BatchNorm2d)]
    assert bns and not any(m.affine for m in bns)
    branch = net.layers[0].branches['1']
    assert len(branch.individual) == 2
    assert [c.cell.num_nodes for c in branch.individual] == [2, 2]
    assert branch.aggregation.cell.num_nodes == 3
    # branch 1 reads branches 0, 1, 2 at scales 0.5, 1, 2 of its own
    assert [p.factor for p in branch.aggregation.cell.preprocess] == \
        [0.5, 1, 2]
    assert net.layers[0].sources == {0: [0, 1, 2], 1: [0, 1, 2],
                                     2: [0, 1, 2]}
    stage = MODELS.build(dict(CFG, channels=(2, 2), num_stages=3,
                              modules_per_stage=2, branch_decisions='stage'))
    assert stage.num_branch_decisions == 3 and len(stage.layers) == 6
    assert stage.derived_branches.tolist() == [[1] * 2] * 3


def n_conv_bn(cin, cout, k):
    return cin * cout * k * k + 2 * cout


@pytest.mark.parametrize('stem,channels', [(4, (4, 6, 8)), (4, (8, 2))])
def test_stem_layers_from_their_shapes(stem, channels):
    torch.manual_seed(0)
    s = AutoPoseStem(3, stem, channels, bottleneck_expansion=2)
    mid = channels[0] // 2
    n = (n_conv_bn(3, stem, 3) + n_conv_bn(stem, stem, 3) +
         n_conv_bn(stem, mid, 1) + n_conv_bn(mid, mid, 3) +
         n_conv_bn(mid, channels[0], 1) +
         (n_conv_bn(stem, channels[0], 1) if stem != channels[0] else 0) +
         sum(n_conv_bn(a, b, 3) for a, b in zip(channels, channels[1:])))
    assert sum(p.numel() for p in s.parameters()) == n
    for conv in [s.conv1, s.conv2, *s.downsamples]:
        assert conv.conv.stride == (2, 2) and conv.conv.padding == (1, 1)
        assert conv.conv.kernel_size == (3, 3)
        assert conv.with_norm and conv.with_activation
    if stem != channels[0]:
        ds = s.bottleneck.downsample
        assert ds.with_norm and not ds.with_activation
    else:
        assert s.bottleneck.downsample is None
    s.eval()
    x = torch.randn(1, 3, 30, 18)
    feats = s(x)
    assert [tuple(f.shape[1:]) for f in feats] == [
        (c, h, w) for c, (h, w) in zip(channels, [(8, 5), (4, 3), (2, 2)])]
    # values: the stem is conv1 -> conv2 -> bottleneck -> downsamples
    with torch.no_grad():
        ref = s.bottleneck(s.conv2(s.conv1(x)))
        assert torch.equal(feats[0], ref)
        for down, f in zip(s.downsamples, feats[1:]):
            ref = down(ref)
            assert torch.equal(f, ref)


@pytest.mark.parametrize('inactive', ['drop', 'identity'])
def test_supernet_with_argmax_equals_the_fixed_network(inactive):
    """Eval mode runs the argmax op: with the shared weights the supernet
    and its fixed network compute the same map."""
    torch.manual_seed(0)
    cfg = dict(CFG, inactive_inputs=inactive)
    net = MODELS.build(cfg)
    with torch.no_grad():
        for a in net.arch_params.alphas.values():
            a.copy_(torch.randn_like(a))
    mask = [[1, 0, 1, 1], [0, 1, 0, 1]]
    net.set_active_branches(mask)
    net.set_derived_branches(mask)
    fixed = MODELS.build(dict(cfg, genotype=net.derive_genotype()))
    # give the BatchNorms distinct statistics so that every layer counts
    net.train()
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
    state, kept = net.fixed_state_dict(fixed)
    fixed.load_state_dict(state)
    net.eval(), fixed.eval()
    x = torch.randn(2, 3, 32, 24)
    with torch.no_grad():
        a, b = net(x)[0], fixed(x)[0]
        net.set_active_branches('none')
        off = net(x)[0]
    assert a.shape == (2, 12, 8, 6)
    torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)
    # the modules changed the map (not a stem-only network)
    assert not torch.allclose(a, off)
    assert sorted(fixed.layers[0].branches) == ['0', '2', '3']
    assert fixed.layers[0].sources[0] == (
        [0, 2, 3] if inactive == 'drop' else [0, 1, 2, 3])


@pytest.mark.parametrize('inactive', ['drop', 'identity'])
def test_module_output_is_two_individual_cells_then_aggregation(inactive):
    """Recompute a supernet module from its own cells, cell by cell."""
    from mmposenas.models.backbones.autopose import AutoPoseModule
    torch.manual_seed(0)
    chans, sizes = (2, 3, 4), [(8, 6), (4, 3), (2, 2)]
    module = AutoPoseModule(chans, op_names=['conv_3x3', 'skip_connect'],
                            inactive_inputs=inactive, affine=False).eval()
    feats = [torch.randn(2, c, *s) for c, s in zip(chans, sizes)]
    w_ind = torch.softmax(torch.randn(10, 2), -1)
    w_agg = torch.softmax(torch.randn(3 + 4, 2), -1)
    mask = [True, False, True]
    with torch.no_grad():
        outs = module(feats, mask, {'individual': (w_ind, None),
                                    'aggregation': (w_agg, None)})
        hidden = {}
        for b in (0, 2):
            c0, c1 = module.branches[str(b)].individual
            hidden[b] = c1((c0((feats[b], ), w_ind), ), w_ind)
        skipped = feats[1] if inactive == 'identity' else None
        for b in (0, 2):
            ref = module.branches[str(b)].aggregation(
                [hidden[0], skipped, hidden[2]], w_agg,
                out_size=feats[b].shape[-2:])
            assert torch.equal(outs[b], ref)
    assert outs[1] is feats[1]
