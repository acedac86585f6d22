"""The fast mixed op (shared ReLU, no work for zero, channels-last) computes
exactly what the textbook DARTS formulation computes."""
import pytest
import torch
import torch.nn as nn
from mmpose.registry import MODELS

import mmposenas  # noqa: F401
from mmposenas.models.search import MixedOp
from mmposenas.models.search.ops import OPS, ZERO, build_op, split_leading_relu
from mmposenas.models.search.reference import (ReferenceMixedOp,
                                               to_reference_supernet)

DARTS_CFG = dict(type='DartsCellBackbone', stem_channels=8, channels=4,
                 num_cells=3, reduction_cells=(1, ), num_nodes=3)


def _outputs_and_grads(net, x):
    net.train()
    net.zero_grad(set_to_none=True)
    outs = net(x)
    sum((o * torch.linspace(-1, 1, o.numel()).view_as(o)).sum()
        for o in outs).backward()
    return ([o.detach() for o in outs],
            {n: p.grad.clone() for n, p in net.named_parameters()
             if p.grad is not None})


@pytest.mark.parametrize('ops_name', sorted(set(OPS) - {ZERO}))
@pytest.mark.parametrize('stride', [1, 2])
def test_split_leading_relu_continues_the_op_exactly(ops_name, stride):
    torch.manual_seed(0)
    op = build_op(ops_name, 4, 4, stride, affine=True).eval()
    for m in op.modules():  # non-trivial BN statistics
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-1, 1)
            m.running_var.uniform_(0.5, 2)
    x = torch.randn(2, 4, 7, 6)
    rest = split_leading_relu(op)
    starts_with_relu = ops_name not in ('skip_connect', 'max_pool_3x3',
                                        'avg_pool_3x3') or (
                                            ops_name == 'skip_connect'
                                            and stride == 2)
    assert (rest is not None) == starts_with_relu
    if rest is not None:
        torch.testing.assert_close(rest(torch.relu(x)), op(x), rtol=0,
                                   atol=0)
        # and the rest is not the whole op: on negative inputs they differ
        assert not torch.equal(rest(x), op(x))


def test_mixed_op_shared_relu_equals_per_op_relu():
    torch.manual_seed(0)
    mixed = MixedOp(['zero', 'skip_connect', 'sep_conv_3x3', 'max_pool_3x3',
                     'dil_conv_3x3'], 4, 4, 1)
    ref = ReferenceMixedOp(mixed)
    x = torch.randn(2, 4, 8, 8)
    w = torch.softmax(torch.randn(5), 0)
    torch.testing.assert_close(mixed(x, w), ref(x, w), rtol=0, atol=1e-6)
    torch.testing.assert_close(mixed(x, w, x_relu=torch.relu(x)), ref(x, w),
                               rtol=0, atol=1e-6)
    assert mixed.needs_relu() and not mixed.needs_relu(
        [True, True, False, True, False])


@pytest.mark.parametrize('channels_last', [False, True])
@pytest.mark.parametrize('sampling', ['softmax', 'gumbel'])
def test_supernet_matches_the_reference_formulation(channels_last, sampling):
    torch.manual_seed(0)
    ours = MODELS.build(dict(DARTS_CFG, sampling=sampling))
    with torch.no_grad():  # a non-uniform α, so a mis-weighted op shows
        for p in ours.arch_params.parameters():
            p.normal_()
    # float64: any difference beyond rounding is a difference in the math
    ours.double()
    ref = to_reference_supernet(ours)
    assert not any(isinstance(m, MixedOp) for m in ref.modules())
    ours.channels_last = channels_last
    x = torch.randn(2, 3, 24, 20, dtype=torch.float64)
    torch.manual_seed(1)  # the same Gumbel noise for both
    outs_ours, grads_ours = _outputs_and_grads(ours, x)
    torch.manual_seed(1)
    outs_ref, grads_ref = _outputs_and_grads(ref, x)
    if channels_last:
        assert outs_ours[0].is_contiguous(memory_format=torch.channels_last)
    for a, b in zip(outs_ours, outs_ref):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-5)
    assert grads_ours.keys() == grads_ref.keys()
    assert any('arch_params' in n for n in grads_ref)
    for name in grads_ref:
        torch.testing.assert_close(grads_ours[name], grads_ref[name], rtol=0,
                                   atol=1e-5, msg=name)


def test_reference_runs_zero_as_times_zero_and_refuses_partial_channels():
    mixed = MixedOp(['zero', 'max_pool_3x3'], 4, 4, 2)
    x = torch.randn(1, 4, 5, 5)
    out = ReferenceMixedOp(mixed)(x, torch.tensor([1.0, 0.0]))
    assert out.shape == (1, 4, 3, 3) and not out.any()
    with pytest.raises(ValueError, match='partial_channels=2'):
        ReferenceMixedOp(MixedOp(['zero', 'skip_connect'], 4, 4, 1,
                                 partial_channels=2))


def test_part_aware_partial_channels_halve_the_mixed_op_widths():
    cfg = dict(type='PartAwareNASBackbone', num_keypoints=4, depth_bins=4,
               groups=2, num_cells=3, num_reductions=1, num_fusions=1,
               stem_channels=8, channels=4, num_nodes=2, joint_channels=4)
    plain = MODELS.build(cfg)
    pc = MODELS.build(dict(cfg, partial_channels=2))
    ks = {m.partial_channels for m in pc.modules() if isinstance(m, MixedOp)}
    assert ks == {2}

    def conv_params(net):
        return sum(p.numel() for m in net.modules()
                   if isinstance(m, MixedOp) for p in m.parameters())

    assert conv_params(pc) < 0.6 * conv_params(plain)
    out = pc(torch.randn(1, 3, 16, 16))[0]
    assert out.shape == plain(torch.randn(1, 3, 16, 16))[0].shape
    assert torch.isfinite(out).all()
