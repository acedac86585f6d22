"""Values of the cost-aware α loss term of ``ArchOptimizerHook``.

``tests/models/search/test_collapse_remedies.py`` checks that a cost-aware
search lowers the expected cost; these tests check the term itself: its
value with and without a budget, its weight, its dtype and its gradient.
"""
import pytest
import torch
from mmengine.runner import Runner

import mmposenas  # noqa: F401
from mmposenas.engine.hooks.arch_optimizer_hook import ArchOptimizerHook
from mmposenas.models.search import arch_parameters
from mmposenas.models.search.cost import EdgeCostTable
from test_arch_optimizer_hook import search_cfg

SHAPE = (3, 64, 48)


@pytest.fixture(scope='module')
def hook_and_model(tmp_path_factory):
    """A real Runner whose before_train built the hook's cost table."""
    work = tmp_path_factory.mktemp('cost')
    cfg = search_cfg(work, cost_weight=2.0, cost_input_shape=SHAPE)
    cfg.train_cfg.max_epochs = 0  # before_train of every hook, no step
    cfg.param_scheduler = []  # (its end would be 0)
    runner = Runner.from_cfg(cfg)
    runner.train()
    hook = next(h for h in runner.hooks if isinstance(h, ArchOptimizerHook))
    return hook, runner.model


def test_cost_table_is_built_from_the_runner_model(hook_and_model):
    hook, model = hook_and_model
    assert hook.cost_input_shape == SHAPE
    reference = EdgeCostTable(model, SHAPE)
    assert hook.cost_table.max_macs == reference.max_macs
    assert hook.cost_table.fixed == reference.fixed
    # the table reads the model's own α: changing α changes its expectation
    alpha = arch_parameters(model)[0]
    before = float(hook.cost_table.expected_macs())
    with torch.no_grad():
        alpha[0, 0] += 5.0
    try:
        assert float(hook.cost_table.expected_macs()) != before
        assert float(hook.cost_table.expected_macs()) == pytest.approx(
            float(reference.expected_macs()), rel=1e-12)
    finally:
        with torch.no_grad():
            alpha[0, 0] -= 5.0


def test_cost_loss_without_budget_is_weighted_fraction_of_the_maximum(
        hook_and_model):
    hook, model = hook_and_model
    expected = float(hook.cost_table.expected_macs())
    assert hook.cost_table.fixed < expected < hook.cost_table.max_macs
    loss = hook.cost_loss()
    assert loss.dtype == torch.float32 and loss.dim() == 0
    assert float(loss) == pytest.approx(
        2.0 * expected / hook.cost_table.max_macs, rel=1e-6)
    # differentiable in α, with the gradient of 2 E / max
    alphas = arch_parameters(model)
    grads = torch.autograd.grad(loss, alphas, allow_unused=True)
    reference = torch.autograd.grad(
        2.0 * hook.cost_table.expected_macs() / hook.cost_table.max_macs,
        alphas, allow_unused=True)
    assert any(g is not None and g.abs().sum() > 0 for g in grads)
    for g, r in zip(grads, reference):
        assert (g is None) == (r is None)
        if g is not None:
            torch.testing.assert_close(g, r.float(), rtol=1e-5, atol=1e-12)


def test_cost_loss_with_budget_penalises_only_the_excess(hook_and_model):
    hook, _ = hook_and_model
    expected = float(hook.cost_table.expected_macs())
    try:
        hook.cost_target = expected / 4  # 3 budgets over: 2 * 3
        assert float(hook.cost_loss()) == pytest.approx(6.0, rel=1e-6)
        hook.cost_target = expected * 2  # under budget: no penalty
        assert float(hook.cost_loss()) == 0.0
    finally:
        hook.cost_target = None


def test_cost_loss_is_zero_without_cost_weight(tmp_path):
    hook = ArchOptimizerHook(mode='first_order',
                             optimizer=dict(type='Adam', lr=1e-3),
                             arch_dataloader=dict())
    assert hook.cost_table is None
    assert torch.equal(hook.cost_loss(), torch.zeros(()))
