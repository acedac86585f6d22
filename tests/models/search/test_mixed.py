import pytest
import torch

from mmposenas.models.search import (ArchitectureParameters, MixedOp,
                                     sample_weights)

OPS = ['zero', 'skip_connect', 'sep_conv_3x3', 'max_pool_3x3']


def test_zero_is_not_built_and_costs_nothing():
    op = MixedOp(OPS, 4, 4, 1)
    assert 'zero' not in op.ops
    x = torch.randn(2, 4, 6, 6)
    w = torch.tensor([1.0, 0.0, 0.0, 0.0])
    assert not op(x, w).any()  # only zero weighted: exact zeros


def test_softmax_mix_equals_weighted_sum_and_gradient_reaches_alpha():
    torch.manual_seed(0)
    arch = ArchitectureParameters({'normal': (1, len(OPS))})
    op = MixedOp(OPS, 4, 4, 2).eval()
    x = torch.randn(2, 4, 6, 6)
    w = arch.weights('normal')[0]
    y = op(x, w)
    ref = sum(w[i] * op.ops[n](x) for i, n in enumerate(OPS) if n != 'zero')
    assert torch.allclose(y, ref)
    y.square().sum().backward()
    grad = arch.alphas['normal'].grad
    assert grad is not None and grad.abs().sum() > 0
    # every non-zero op gets a gradient; zero's weight too (through softmax)
    assert (grad != 0).all()


def test_gumbel_hard_is_one_hot_forward_with_gradients():
    torch.manual_seed(1)
    logits = torch.randn(5, len(OPS), requires_grad=True)
    w = sample_weights(logits, 'gumbel_hard', tau=0.5, training=True)
    assert torch.equal((w != 0).sum(-1), torch.ones(5, dtype=torch.long))
    assert torch.allclose(w.sum(-1), torch.ones(5))
    probe = torch.randn_like(w)
    (w * probe).sum().backward()
    assert (logits.grad != 0).all()


def test_gumbel_hard_runs_only_the_selected_op():
    op = MixedOp(OPS, 4, 4, 1).eval()
    calls = []
    for name, m in op.ops.items():
        for sub in m.modules():  # candidates may run from their 2nd layer on
            sub.register_forward_hook(
                lambda mod, i, o, n=name: calls.append(n))
    w = torch.tensor([0.0, 0.0, 1.0, 0.0], requires_grad=True)
    out = op(torch.randn(1, 4, 5, 5), w, active=(w != 0).tolist())
    assert set(calls) == {'sep_conv_3x3'}
    out.sum().backward()
    assert w.grad[2] != 0


def test_eval_mode_sampling_is_deterministic():
    logits = torch.tensor([[0.1, 2.0, -1.0, 0.5]])
    hard = sample_weights(logits, 'gumbel_hard', tau=1.0, training=False)
    assert torch.equal(hard, torch.tensor([[0.0, 1.0, 0.0, 0.0]]))
    soft = sample_weights(logits, 'gumbel', tau=2.0, training=False)
    assert torch.allclose(soft, torch.softmax(logits / 2.0, -1))
    with pytest.raises(ValueError, match='sampling mode'):
        sample_weights(logits, 'bogus')


def test_mixed_op_rejects_wrong_weight_count():
    op = MixedOp(OPS, 2, 2)
    with pytest.raises(ValueError, match='expects 4 weights'):
        op(torch.randn(1, 2, 4, 4), torch.ones(3))


def test_random_reset_is_seeded():
    a = ArchitectureParameters({'normal': (3, 4), 'reduce': (3, 4)})
    b = ArchitectureParameters({'normal': (3, 4), 'reduce': (3, 4)})
    a.reset_random(7)
    b.reset_random(7)
    for k in a.keys():
        assert torch.equal(a.alphas[k], b.alphas[k])
    assert a.alphas['normal'].std() > 0.3  # N(0, 1), not the 1e-3 init


def test_active_flags_only_for_hard_samples():
    hard = ArchitectureParameters({'c': (3, len(OPS))}, sampling='gumbel_hard')
    soft = ArchitectureParameters({'c': (3, len(OPS))}, sampling='softmax')
    w = hard.weights('c')
    flags = hard.active_ops(w)
    assert [sum(row) for row in flags] == [1, 1, 1]
    assert soft.active_ops(soft.weights('c')) is None
