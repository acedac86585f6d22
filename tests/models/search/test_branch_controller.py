"""The LSTM branch controller: sampling, REINFORCE, state, derivation."""
import io

import pytest
import torch

from mmposenas.models.search import (BranchController, MovingAverageBaseline,
                                     reinforce_update, select_best_mask)


def controller(seed=0, d=3, b=4, hidden=8):
    torch.manual_seed(123)
    return BranchController(d, b, hidden_size=hidden, seed=seed)


def test_samples_are_bit_masks_and_follow_the_seed():
    a, b = controller(seed=1), controller(seed=1)
    masks = [a.sample() for _ in range(20)]
    assert all(m.shape == (3, 4) and m.dtype == torch.long for m in masks)
    assert all(set(m.unique().tolist()) <= {0, 1} for m in masks)
    assert [m.tolist() for m in masks] == [b.sample().tolist()
                                           for _ in range(20)]
    # near p = 0.5 at the start: both values occur
    assert 0.2 < torch.stack(masks).float().mean() < 0.8
    other = controller(seed=2)
    assert [m.tolist() for m in masks] != [other.sample().tolist()
                                           for _ in range(20)]


def test_sampling_leaves_the_global_rng_and_greedy_uses_no_randomness():
    c = controller()
    torch.manual_seed(7)
    expected = torch.rand(3)
    torch.manual_seed(7)
    c.sample()
    c.sample(greedy=True)
    assert torch.equal(torch.rand(3), expected)
    state = c.generator.get_state()
    g1, g2 = c.sample(greedy=True), c.sample(greedy=True)
    assert torch.equal(g1, g2)
    assert torch.equal(c.generator.get_state(), state)


def test_log_prob_is_that_of_the_bits():
    c = controller(d=1, b=2)
    total = sum(c.evaluate(torch.tensor([[i, j]])).log_prob.exp()
                for i in (0, 1) for j in (0, 1))
    assert total.item() == pytest.approx(1.0, abs=1e-6)
    with pytest.raises(ValueError, match='shape'):
        c.evaluate(torch.zeros(2, 2))
    with pytest.raises(ValueError, match='0/1'):
        c.evaluate(torch.tensor([[0, 2]]))


def test_reinforce_raises_the_log_prob_of_the_rewarded_sample():
    c = controller()
    opt = torch.optim.Adam(c.parameters(), lr=3.5e-3)
    good = torch.tensor([[1, 0, 1, 0], [0, 1, 1, 0], [1, 1, 0, 0]])
    bad = 1 - good
    before_good = c.evaluate(good).log_prob.item()
    before_bad = c.evaluate(bad).log_prob.item()
    baseline = MovingAverageBaseline(0.9)
    stats = reinforce_update(c, opt, [good, bad], [1.0, 0.0], baseline)
    assert stats['advantage'] == pytest.approx(0.0)  # batch-mean baseline
    assert baseline.value == pytest.approx(0.5)
    assert c.evaluate(good).log_prob.item() > before_good
    assert c.evaluate(bad).log_prob.item() < before_bad


def test_reinforce_learns_a_toy_reward():
    c = controller(seed=3, d=2, b=4, hidden=16)
    opt = torch.optim.Adam(c.parameters(), lr=0.02)
    target = torch.tensor([[1, 0, 0, 1], [0, 1, 1, 1]])
    baseline = MovingAverageBaseline(0.8)

    def reward(m):
        return (m == target).float().mean().item()

    start = sum(reward(c.sample()) for _ in range(32)) / 32
    for _ in range(120):
        masks = [c.sample() for _ in range(2)]
        reinforce_update(c, opt, masks, [reward(m) for m in masks], baseline,
                         entropy_weight=1e-4)
    end = sum(reward(c.sample()) for _ in range(32)) / 32
    assert end > start + 0.2
    assert torch.equal(c.sample(greedy=True), target)


def test_baseline_is_a_moving_average():
    b = MovingAverageBaseline(0.5)
    assert b.advantages(torch.tensor([1.0, 3.0])).tolist() == [-1.0, 1.0]
    b.update(torch.tensor([1.0, 3.0]))
    assert b.value == 2.0
    assert b.advantages(torch.tensor([4.0])).tolist() == [2.0]
    b.update(torch.tensor([4.0]))
    assert b.value == 3.0
    fresh = MovingAverageBaseline(0.1)
    fresh.load_state_dict(b.state_dict())
    assert (fresh.decay, fresh.value) == (0.5, 3.0)
    with pytest.raises(ValueError, match='decay'):
        MovingAverageBaseline(1.0)


def test_state_dict_round_trip_restores_weights_and_sampling(tmp_path):
    a = controller(seed=5)
    for _ in range(3):
        a.sample()
    buf = io.BytesIO()
    torch.save(a.state_dict(), buf)
    buf.seek(0)
    b = controller(seed=99)
    b.load_state_dict(torch.load(buf, weights_only=True))
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(),
                                                 b.parameters()))
    assert [a.sample().tolist() for _ in range(10)] == [
        b.sample().tolist() for _ in range(10)]


def test_policy_stats_are_normalised():
    c = controller()
    entropy, on = c.policy_stats(64)
    assert 0.95 < entropy <= 1.0  # p close to 0.5 everywhere at the start
    assert len(on) == 3 and all(len(r) == 4 for r in on)
    assert all(0.0 <= p <= 1.0 for r in on for p in r)
    with torch.no_grad():
        c.head.bias.fill_(8.0)  # every bit almost surely on
    entropy, on = c.policy_stats(16)
    assert entropy < 0.01 and all(p == 1.0 for r in on for p in r)


def test_select_best_mask_keeps_the_best_and_scores_each_mask_once():
    masks = [torch.tensor([[0, 1]]), torch.tensor([[1, 1]]),
             torch.tensor([[0, 1]]), torch.tensor([[1, 0]])]
    calls = []

    def score(m):
        calls.append(m.tolist())
        return {(0, 1): 0.3, (1, 1): 0.7, (1, 0): 0.7}[tuple(m[0].tolist())]

    best, table = select_best_mask(masks, score)
    assert best.tolist() == [[1, 1]]  # tie with [1, 0]: the earlier wins
    assert [t['score'] for t in table] == [0.3, 0.7, 0.3, 0.7]
    assert len(calls) == 3
    nan_first = [torch.tensor([[0, 0]]), torch.tensor([[1, 0]])]
    best, _ = select_best_mask(
        nan_first, lambda m: float('nan') if m.sum() == 0 else 0.1)
    assert best.tolist() == [[1, 0]]
    with pytest.raises(ValueError, match='at least one'):
        select_best_mask([], score)


def test_entropy_bonus_alone_raises_the_policy_entropy():
    c = controller(seed=1)
    with torch.no_grad():  # a confident policy: every bit mostly on
        c.head.bias.fill_(2.0)
    masks = [torch.ones(3, 4, dtype=torch.long)] * 2
    before = c.evaluate(masks[0]).entropy.item()
    # equal rewards: zero advantage, so only the entropy term moves the policy
    opt = torch.optim.Adam(c.parameters(), lr=0.05)
    state = [p.detach().clone() for p in c.parameters()]
    reinforce_update(c, opt, masks, [0.3, 0.3], MovingAverageBaseline(0.9),
                     entropy_weight=0.0)
    assert all(torch.equal(p, q) for p, q in zip(c.parameters(), state))
    for _ in range(5):
        reinforce_update(c, opt, masks, [0.3, 0.3],
                         MovingAverageBaseline(0.9), entropy_weight=1.0)
    assert c.evaluate(masks[0]).entropy.item() > before + 0.1
