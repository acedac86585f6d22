"""Exact values of the branch controller: log π, REINFORCE, baseline, best.

Every expectation is computed independently of the code under test: the
LSTM walk is redone with the LSTM-cell equations written out, the REINFORCE
step with ``torch.autograd.grad`` and the SGD formula, the baseline with its
recurrence.
"""
import copy
import math

import pytest
import torch
import torch.nn.functional as F

from mmposenas.models.search import (BranchController, MovingAverageBaseline,
                                     reinforce_update, select_best_mask)


def make(d=2, b=2, hidden=3, seed=0):
    torch.manual_seed(11)
    return BranchController(d, b, hidden_size=hidden, seed=seed)


def reference_walk(ctrl, mask):
    """log π(mask) and path entropy with the LSTM cell written out."""
    lstm = ctrl.lstm
    x = ctrl.start
    h = c = torch.zeros(1, ctrl.hidden_size)
    log_prob = entropy = torch.zeros(())
    flat = mask.reshape(-1).tolist()
    for t, bit in enumerate(flat):
        b = t % ctrl.num_branches
        gates = (x @ lstm.weight_ih.T + lstm.bias_ih + h @ lstm.weight_hh.T +
                 lstm.bias_hh)
        i, f, g, o = gates.chunk(4, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        logit = (h @ ctrl.head.weight.T + ctrl.head.bias)[0, b]
        p = torch.sigmoid(logit)
        log_prob = log_prob + torch.log(p if bit else 1 - p)
        entropy = entropy - (p * torch.log(p) + (1 - p) * torch.log(1 - p))
        x = ctrl.embedding.weight[2 * b + bit][None]
    return log_prob, entropy


def test_log_prob_and_entropy_follow_the_recurrent_state():
    ctrl = make()
    for bits in ([[1, 0], [0, 1]], [[0, 0], [1, 1]]):
        mask = torch.tensor(bits)
        got = ctrl.evaluate(mask)
        lp, h = reference_walk(ctrl, mask)
        assert torch.allclose(got.log_prob, lp, atol=1e-6)
        assert torch.allclose(got.entropy, h, atol=1e-6)


def test_reinforce_update_is_one_exact_sgd_step():
    ctrl = make()
    ref = copy.deepcopy(ctrl)
    masks = [torch.tensor([[1, 0], [0, 1]]), torch.tensor([[0, 0], [1, 1]])]
    rewards = [0.9, 0.2]
    baseline = MovingAverageBaseline(decay=0.5)
    baseline.value = 0.3
    opt = torch.optim.SGD(ctrl.parameters(), lr=1.0)
    out = reinforce_update(ctrl, opt, masks, rewards, baseline)  # w_H = 0

    adv = torch.tensor(rewards) - 0.3
    walks = [reference_walk(ref, m) for m in masks]
    lps = torch.stack([w[0] for w in walks])
    hs = torch.stack([w[1] for w in walks])
    loss = -(adv * lps).mean()
    params = list(ref.parameters())
    grads = torch.autograd.grad(loss, params)
    for p_new, p_old, g in zip(ctrl.parameters(), params, grads):
        assert torch.allclose(p_new, p_old - g, atol=1e-6)
    assert out['loss'] == pytest.approx(loss.item(), abs=1e-6)
    assert out['reward'] == pytest.approx(0.55)
    assert out['advantage'] == pytest.approx(0.25)
    assert out['baseline'] == pytest.approx(0.5 * 0.3 + 0.5 * 0.55)
    assert out['entropy'] == pytest.approx(hs.mean().item(), abs=1e-6)
    assert sorted(out) == ['advantage', 'baseline', 'entropy', 'loss',
                           'reward']


def test_reinforce_update_entropy_bonus_and_gradient_clipping():
    ctrl = make(d=1, b=2)
    ref = copy.deepcopy(ctrl)
    masks = [torch.tensor([[1, 1]])]
    baseline = MovingAverageBaseline()
    baseline.value = 0.0
    opt = torch.optim.SGD(ctrl.parameters(), lr=1.0)
    reinforce_update(ctrl, opt, masks, [1.0], baseline, entropy_weight=0.5,
                     grad_clip=1e-3)
    lp, h = reference_walk(ref, masks[0])
    loss = -(1.0 * lp) - 0.5 * h
    params = list(ref.parameters())
    grads = torch.autograd.grad(loss, params, allow_unused=True)
    grads = [torch.zeros_like(p) if g is None else g
             for p, g in zip(params, grads)]
    norm = torch.sqrt(sum((g**2).sum() for g in grads))
    assert norm > 1e-3  # the clip is active
    scale = 1e-3 / (norm + 1e-6)
    for p_new, p_old, g in zip(ctrl.parameters(), params, grads):
        assert torch.allclose(p_new, p_old - scale * g, atol=1e-7)


def test_reinforce_update_clears_stale_gradients_to_none():
    # One bit: the embedding read after the last bit is outside log π, so
    # it gets no gradient. A stale gradient must be cleared to None (SGD then
    # skips it), not to zero (weight decay would then shrink it).
    ctrl = make(d=1, b=1)
    for p in ctrl.parameters():
        p.grad = torch.ones_like(p)
    emb = ctrl.embedding.weight.detach().clone()
    opt = torch.optim.SGD(ctrl.parameters(), lr=1.0, weight_decay=0.5)
    reinforce_update(ctrl, opt, [torch.tensor([[1]])], [1.0],
                     MovingAverageBaseline())
    assert ctrl.embedding.weight.grad is None
    assert torch.equal(ctrl.embedding.weight.detach(), emb)


def test_reinforce_update_rejects_mismatched_batches():
    ctrl = make()
    opt = torch.optim.SGD(ctrl.parameters(), lr=1.0)
    m = torch.zeros(2, 2, dtype=torch.long)
    with pytest.raises(ValueError, match='2 masks and 1 rewards'):
        reinforce_update(ctrl, opt, [m, m], [1.0], MovingAverageBaseline())


def test_moving_average_baseline_recurrence_and_state():
    base = MovingAverageBaseline()  # decay 0.95
    batches = [[1.0, 3.0], [0.0], [4.0, 4.0, 1.0]]
    expected = None
    for batch in batches:
        mean = sum(batch) / len(batch)
        expected = mean if expected is None else 0.95 * expected + 0.05 * mean
        base.update(torch.tensor(batch))
        assert base.value == pytest.approx(expected)
    assert base.advantages(torch.tensor([5.0])).item() == pytest.approx(
        5.0 - expected)
    zero = MovingAverageBaseline(0.0)  # allowed: the baseline is the last mean
    zero.update(torch.tensor([2.0]))
    zero.update(torch.tensor([6.0]))
    assert zero.value == 6.0
    fresh = MovingAverageBaseline(0.5)
    fresh.load_state_dict(MovingAverageBaseline(0.7).state_dict())
    assert fresh.value is None and fresh.decay == 0.7
    assert fresh.advantages(torch.tensor([1.0, 3.0])).tolist() == [-1.0, 1.0]


def test_select_best_mask_table_and_ties():
    masks = [torch.tensor([[0, 1]]), torch.tensor([[1, 1]]),
             torch.tensor([[1, 0]]), torch.tensor([[0, 1]])]
    scores = {(0, 1): 0.5, (1, 1): 0.7, (1, 0): 0.7}
    calls = []

    def score(m):
        calls.append(tuple(m.reshape(-1).tolist()))
        return scores[calls[-1]]

    best, table = select_best_mask(masks, score)
    assert best.tolist() == [[1, 1]]  # the first of the tied 0.7
    assert table == [dict(branches=[[0, 1]], score=0.5),
                     dict(branches=[[1, 1]], score=0.7),
                     dict(branches=[[1, 0]], score=0.7),
                     dict(branches=[[0, 1]], score=0.5)]
    assert calls == [(0, 1), (1, 1), (1, 0)]  # each distinct mask once


def test_constructor_defaults_and_validation():
    torch.manual_seed(5)
    c = BranchController(1, 3)
    assert c.lstm.hidden_size == 64 and c.start.shape == (1, 64)
    assert 'hidden_size=64' in repr(c)
    n = sum(p.numel() for p in c.parameters())
    # start + LSTM (4H(H + H) + 8H) + embedding (2B rows) + head
    assert n == 64 + 4 * 64 * 128 + 8 * 64 + 2 * 3 * 64 + 3 * 64 + 3
    weights = torch.cat([p.detach().flatten() for p in c.parameters()])
    assert weights.abs().max() <= 0.1
    assert weights.min() < -0.09 and weights.max() > 0.09  # U(-0.1, 0.1)
    assert torch.equal(c.head.bias.detach(), torch.zeros(3))
    # the seed, when omitted, is the next draw of the global RNG
    torch.manual_seed(5)
    BranchController(1, 3, seed=0)
    seed = int(torch.randint(0, 2**31 - 1, ()).item())
    assert c.generator.initial_seed() == seed
    with pytest.raises(ValueError, match='got 0, 2'):
        BranchController(0, 2)
    with pytest.raises(ValueError, match='got 2, 0'):
        BranchController(2, 0)
    one = BranchController(1, 1, hidden_size=2, seed=0)  # B = 1 is allowed
    assert one.sample().shape == (1, 1)


def test_greedy_thresholds_the_logit_at_zero():
    c = make(d=1, b=2)
    with torch.no_grad():
        c.head.weight.zero_()
        c.head.bias.copy_(torch.tensor([0.5, -0.5]))
    assert c.sample(greedy=True).tolist() == [[1, 0]]


def test_greedy_takes_a_bit_at_exactly_one_half():
    # Zero head: every logit is exactly 0, p = 0.5; the documented rule
    # (p >= 0.5) keeps every branch.
    c = make(d=2, b=3)
    with torch.no_grad():
        c.head.weight.zero_()
        c.head.bias.zero_()
    assert c.sample(greedy=True).tolist() == [[1, 1, 1], [1, 1, 1]]


def test_policy_stats_samples_the_policy():
    c = make(d=2, b=3, seed=4)
    with torch.no_grad():
        c.head.bias.copy_(torch.tensor([1.5, -1.0, 0.2]))
    twin = copy.deepcopy(c)
    entropy, freq = c.policy_stats(num_samples=12)
    masks = [twin.sample() for _ in range(12)]
    expect_freq = torch.stack(masks).float().mean(0)
    assert torch.allclose(torch.tensor(freq), expect_freq)
    assert len({tuple(m.flatten().tolist()) for m in masks}) > 1
    h = sum(reference_walk(twin, m)[1].item() for m in masks) / 12
    assert entropy == pytest.approx(h / (6 * math.log(2)), abs=1e-6)
