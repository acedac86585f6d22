"""ArchOptimizerHook wiring in a real MMEngine Runner, checked against values.

Every run here captures what the hook really used (the training batch, the
architecture batch, the model just before the α step, the α learning rate)
with probe hooks around it, recomputes the expected α update independently
(:mod:`mmposenas.engine.arch_gradients` on a copy of the model, plain tensor
arithmetic for SGD, clipping and the schedules) and compares it with the α
the runner produced. The α optimizer is plain SGD, so an update is exactly
``-lr * gradient`` and a wrong gradient cannot hide behind Adam's sign-like
first step.
"""
import copy

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.optim import AmpOptimWrapper
from mmengine.runner import Runner
from torch.func import functional_call

import mmposenas  # noqa: F401
from mmposenas.engine import first_order_arch_grads, second_order_arch_grads
from mmposenas.engine.hooks.arch_optimizer_hook import unwrap_model
from mmposenas.models.search import arch_parameters
from test_arch_optimizer_hook import load, search_cfg


def wiring_cfg(work_dir, batch_size, lr=1.0, num_instances=None,
               **hook_overrides):
    """The tiny COCO-sample search with an SGD α optimizer.

    ``num_instances`` keeps only the first instances of the sample (for both
    the weight and the architecture split), which makes an epoch one
    iteration of a small batch.
    """
    cfg = search_cfg(work_dir, **hook_overrides)
    cfg.custom_hooks[1].optimizer = dict(type='SGD', lr=lr)
    cfg.train_cfg.max_epochs = 1
    for loader in (cfg.train_dataloader, cfg.custom_hooks[1].arch_dataloader):
        loader.batch_size = batch_size
        if num_instances is not None:
            loader.dataset.indices = num_instances
    return cfg


class AlphaProbe(Hook):
    """Record, around every α step of ArchOptimizerHook, what it used.

    Registered twice: ``'before'`` (priority above the hook) records the
    model, the training batch and the α learning rate before the α step;
    ``'after'`` (priority below) records α after it. The architecture batch
    the hook draws is recorded by wrapping its ``_next_arch_batch`` (the
    batch itself is passed through unchanged).
    """

    def __init__(self, log, stage):
        self.log = log
        self.stage = stage
        self.priority = 'HIGH' if stage == 'before' else 'LOWEST'

    @staticmethod
    def arch_hook(runner):
        return next(h for h in runner.hooks
                    if type(h).__name__ == 'ArchOptimizerHook')

    def before_train(self, runner):
        if self.stage != 'after':
            return
        hook = self.arch_hook(runner)
        draw = hook._next_arch_batch

        def recording_draw():
            batch = draw()
            self.log['arch_batches'][runner.iter] = batch
            return batch

        hook._next_arch_batch = recording_draw

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        model = unwrap_model(runner.model)
        if self.stage == 'before':
            hook = self.arch_hook(runner)
            self.log['model'][runner.iter] = copy.deepcopy(model)
            self.log['train_batch'][runner.iter] = data_batch
            self.log['lr'][runner.iter] = (
                hook.optim_wrapper.get_lr()['lr'][0]
                if hook.optim_wrapper is not None else None)
            self.log['weight_lr'][runner.iter] = \
                runner.optim_wrapper.get_lr()['lr']
        else:
            self.log['alpha'][runner.iter] = [
                a.detach().clone() for a in arch_parameters(model)]


def run_with_probes(cfg):
    log = {k: {} for k in ('model', 'train_batch', 'arch_batches', 'lr',
                           'weight_lr', 'alpha')}
    runner = Runner.from_cfg(cfg)
    runner.register_hook(AlphaProbe(log, 'before'), 'HIGH')
    runner.register_hook(AlphaProbe(log, 'after'), 'LOWEST')
    runner.train()
    return runner, log


def alpha_before(log, it):
    return [a.detach().clone() for a in arch_parameters(log['model'][it])]


def loss_fn_for(model):
    """``loss_fn(overrides, data)`` of the whole pose estimator."""

    def loss_fn(overrides, data):
        losses = functional_call(model, overrides, args=(),
                                 kwargs=dict(**data, mode='loss'))
        return model.parse_losses(losses)[0]

    return loss_fn


def reference_grads(log, it, mode, xi=None, r=0.01):
    """The α gradient of iteration ``it`` recomputed on the recorded model."""
    model = log['model'][it]
    val = model.data_preprocessor(log['arch_batches'][it], True)
    if mode == 'first_order':
        return first_order_arch_grads(model, loss_fn_for(model), val)
    train = model.data_preprocessor(log['train_batch'][it], True)
    return second_order_arch_grads(model, loss_fn_for(model), train, val,
                                   xi=xi, r=r)


def flat(tensors):
    return torch.cat([t.reshape(-1) for t in tensors])


# ------------------------------------------------------------ second order
def test_second_order_step_in_runner_equals_the_reference(tmp_path):
    xi = 0.1
    cfg = wiring_cfg(tmp_path, batch_size=4, num_instances=4,
                     mode='second_order', xi=xi)
    _, log = run_with_probes(cfg)
    assert list(log['alpha']) == [0]  # one iteration
    before = alpha_before(log, 0)
    expected_grad = reference_grads(log, 0, 'second_order', xi=xi, r=0.01)
    first_grad = reference_grads(log, 0, 'first_order')
    # the unrolled term matters here, so a first-order step would not pass
    assert (flat(expected_grad) - flat(first_grad)).abs().max() > 1e-4
    for b, g, a in zip(before, expected_grad, log['alpha'][0]):
        torch.testing.assert_close(a, b - 1.0 * g, rtol=0, atol=1e-6)


def test_second_order_without_xi_uses_the_weight_learning_rate(tmp_path):
    """``xi=None``: the virtual step takes the weight optimizer's current
    learning rate (DARTS' ξ = η), not the α one, and not 0."""
    cfg = wiring_cfg(tmp_path, batch_size=4, num_instances=4, lr=0.5,
                     mode='second_order', xi=None)
    _, log = run_with_probes(cfg)
    weight_lr = log['weight_lr'][0]
    assert len(weight_lr) == 1 and weight_lr[0] not in (0.5, 0.0)
    expected_grad = reference_grads(log, 0, 'second_order', xi=weight_lr[0],
                                    r=0.01)
    first_grad = reference_grads(log, 0, 'first_order')
    assert (flat(expected_grad) - flat(first_grad)).abs().max() > 1e-6
    for b, g, a in zip(alpha_before(log, 0), expected_grad, log['alpha'][0]):
        torch.testing.assert_close(a, b - 0.5 * g, rtol=0, atol=1e-6)


# ---------------------------------------------- first order, cost term
COST_SHAPE = (3, 64, 48)
COST_WEIGHT = 0.5


def test_first_order_step_with_cost_term_in_runner_equals_the_reference(
        tmp_path):
    """First order with the multiply-add term: α moves by -lr * ∇α of
    (val loss + weight * expected MACs / max MACs) on the α batch, even with
    a ξ configured (which only second order uses)."""
    from mmposenas.models.search.cost import EdgeCostTable
    cfg = wiring_cfg(tmp_path, batch_size=4, num_instances=4,
                     mode='first_order', xi=0.1, cost_weight=COST_WEIGHT,
                     cost_input_shape=COST_SHAPE)
    runner, log = run_with_probes(cfg)
    assert list(log['alpha']) == [0]
    model = log['model'][0]
    val = model.data_preprocessor(log['arch_batches'][0], True)
    table = EdgeCostTable(model, COST_SHAPE)
    pose_loss = loss_fn_for(model)

    def with_cost(overrides, data):
        cost = COST_WEIGHT * table.expected_macs() / table.max_macs
        return pose_loss(overrides, data) + cost.float()

    expected = first_order_arch_grads(model, with_cost, val)
    without_cost = first_order_arch_grads(model, pose_loss, val)
    unrolled = reference_grads(log, 0, 'second_order', xi=0.1, r=0.01)
    # the cost term and the mode both change the step measurably
    assert (flat(expected) - flat(without_cost)).abs().max() > 1e-3
    assert (flat(expected) - flat(unrolled)).abs().max() > 1e-3
    for b, g, a in zip(alpha_before(log, 0), expected, log['alpha'][0]):
        torch.testing.assert_close(a, b - 1.0 * g, rtol=0, atol=1e-6)
    # the logged expected GMACs are those of α after the step
    after = EdgeCostTable(unwrap_model(runner.model), COST_SHAPE)
    logged = runner.message_hub.get_scalar('train/expected_gmacs').current()
    assert logged == float(after.expected_macs()) / 1e9
    assert float(after.expected_macs()) != float(table.expected_macs())


# ----------------------------------------- interval, grad_clip, iter schedule
CLIP = 2e-5
LR0 = 0.5


@pytest.fixture(scope='module')
def interval_run(tmp_path_factory):
    """4 iterations (batch 3 of the 12 annotated instances), α every 2nd iteration,
    α gradient norm clipped to CLIP, α lr x0.1 after the first α step."""
    cfg = wiring_cfg(
        tmp_path_factory.mktemp('interval'), batch_size=3, lr=LR0,
        interval=2, grad_clip=CLIP,
        param_scheduler=dict(type='MultiStepLR', by_epoch=False,
                             milestones=[1], gamma=0.1))
    _, log = run_with_probes(cfg)
    return log


def test_interval_steps_alpha_only_on_multiples_of_interval(interval_run):
    log = interval_run
    assert sorted(log['alpha']) == [0, 1, 2, 3]
    changed = [
        not all(torch.equal(a, b) for a, b in zip(alpha_before(log, it),
                                                    log['alpha'][it]))
        for it in range(4)
    ]
    assert changed == [True, False, True, False]
    assert sorted(log['arch_batches']) == [0, 2]  # no α batch drawn on 1, 3


def test_grad_clip_limits_the_applied_alpha_update(interval_run):
    log = interval_run
    for it, lr in ((0, LR0), (2, LR0 * 0.1)):
        grad = reference_grads(log, it, 'first_order')
        norm = flat(grad).norm()
        assert norm > 3 * CLIP  # clipping is active
        delta = [a - b for a, b in zip(log['alpha'][it],
                                       alpha_before(log, it))]
        # clip_grad_norm_ scales by CLIP / (norm + 1e-6)
        expected = [-lr * g * CLIP / (norm + 1e-6) for g in grad]
        for d, e in zip(delta, expected):
            torch.testing.assert_close(d, e, rtol=1e-4, atol=1e-9)
        assert flat(delta).norm() == pytest.approx(
            float(lr * CLIP * norm / (norm + 1e-6)), rel=1e-3)


def test_iteration_scheduler_sets_the_lr_of_each_alpha_step(interval_run):
    log = interval_run
    # lr used by the α steps at iterations 0 and 2: the milestone is after
    # the first α step (iterations without an α step do not count)
    assert log['lr'][0] == pytest.approx(LR0)
    assert log['lr'][2] == pytest.approx(LR0 * 0.1)
    assert log['lr'][3] == pytest.approx(LR0 * 0.1)


# ------------------------------------------- epoch schedule and its resume
def test_epoch_scheduler_state_survives_resume(tmp_path):
    def cfg_for(epochs, resume):
        cfg = wiring_cfg(
            tmp_path, batch_size=4, num_instances=4, lr=0.2,
            param_scheduler=dict(type='MultiStepLR', by_epoch=True,
                                 milestones=[2], gamma=0.1))
        cfg.train_cfg.max_epochs = epochs
        cfg.resume = resume
        return cfg

    _, first = run_with_probes(cfg_for(1, False))
    assert first['lr'] == {0: pytest.approx(0.2)}
    saved = load(tmp_path / 'epoch_1.pth')['arch_optimizer']
    assert saved['param_schedulers'][0]['last_step'] == 1

    _, resumed = run_with_probes(cfg_for(3, True))
    # epochs 2 and 3 (iterations 1, 2); the milestone after epoch 2 is only
    # reached if the scheduler continued from the checkpoint's last_step
    assert sorted(resumed['lr']) == [1, 2]
    assert resumed['lr'][1] == pytest.approx(0.2)
    assert resumed['lr'][2] == pytest.approx(0.02)
    final = load(tmp_path / 'epoch_3.pth')['arch_optimizer']
    assert final['param_schedulers'][0]['last_step'] == 3


# --------------------------------------------------------- --amp refusal
def amp_wrapper_on_cpu(model):
    """A real ``AmpOptimWrapper`` built without its accelerator assertion.

    ``AmpOptimWrapper.__init__`` asserts a CUDA/NPU/MLU/MUSA device (there is
    none in CI), so the instance is created with ``__new__`` and initialised
    by ``OptimWrapper.__init__``; the class, and so the ``isinstance`` test
    that ``ArchOptimizerHook`` and the Runner apply, is the real one. It is
    never stepped: the refusal must come first.
    """
    from mmengine.optim import OptimWrapper
    wrapper = AmpOptimWrapper.__new__(AmpOptimWrapper)
    params = [p for n, p in model.named_parameters() if 'arch_params' not in n]
    OptimWrapper.__init__(wrapper, optimizer=torch.optim.Adam(params, 1e-3))
    return wrapper


def runner_with_wrapper(cfg, work_dir, make_wrapper, **overrides):
    """A Runner of ``cfg``'s model, data and hooks around an optim wrapper
    built by ``make_wrapper(model)`` (the Runner cannot build these from a
    config); returns the runner and its model."""
    from mmengine.registry import init_default_scope
    from mmpose.registry import MODELS
    init_default_scope('mmpose')
    model = MODELS.build(cfg.model)
    kwargs = dict(train_dataloader=cfg.train_dataloader,
                  train_cfg=cfg.train_cfg, custom_hooks=cfg.custom_hooks,
                  default_hooks=cfg.default_hooks, default_scope='mmpose',
                  randomness=cfg.randomness)
    kwargs.update(overrides)
    runner = Runner(model=model, work_dir=str(work_dir),
                    optim_wrapper=make_wrapper(model), **kwargs)
    return runner, model


def test_second_order_refuses_amp_in_the_runner(tmp_path):
    cfg = wiring_cfg(tmp_path, batch_size=4, num_instances=4,
                     mode='second_order')
    runner, model = runner_with_wrapper(cfg, tmp_path, amp_wrapper_on_cpu)
    before = [a.detach().clone() for a in arch_parameters(model)]
    with pytest.raises(RuntimeError, match='run without --amp'):
        runner.train()
    assert all(torch.equal(a, b)
               for a, b in zip(arch_parameters(model), before))

    # first order accepts the same wrapper (the refusal is second order's)
    cfg = wiring_cfg(tmp_path / 'fo', batch_size=4, num_instances=4,
                     mode='first_order')
    runner, _ = runner_with_wrapper(
        cfg, tmp_path / 'fo', amp_wrapper_on_cpu,
        train_cfg=dict(by_epoch=True, max_epochs=0))
    runner.train()  # before_train of every hook ran without error


def wrapper_dict(model):
    """One plain SGD optim wrapper each for the backbone's weights (α left
    out) and the head: MMEngine's ``OptimWrapperDict``."""
    from mmengine.optim import OptimWrapper, OptimWrapperDict
    weights = [p for n, p in model.backbone.named_parameters()
               if 'arch_params' not in n]
    return OptimWrapperDict(
        backbone=OptimWrapper(torch.optim.SGD(weights, lr=0.1)),
        head=OptimWrapper(torch.optim.SGD(model.head.parameters(), lr=0.1)))


@pytest.mark.parametrize('mode', ['second_order', 'first_order'])
def test_only_second_order_refuses_several_weight_optimizers(tmp_path, mode):
    """Second order takes ξ from the one weight optimizer, so it refuses an
    ``OptimWrapperDict`` before any step; first order takes its α step
    (then MMPose's ``train_step``, which needs one wrapper, stops)."""
    cfg = wiring_cfg(tmp_path, batch_size=4, num_instances=4, mode=mode,
                     xi=0.1)
    runner, model = runner_with_wrapper(cfg, tmp_path, wrapper_dict)
    before = [a.detach().clone() for a in arch_parameters(model)]
    if mode == 'second_order':
        with pytest.raises(RuntimeError) as err:
            runner.train()
        assert str(err.value) == ('ArchOptimizerHook: second-order search '
                                  'needs a single weight optimizer (for ξ)')
        assert all(torch.equal(a, b)
                   for a, b in zip(arch_parameters(model), before))
    else:
        with pytest.raises(NotImplementedError):
            runner.train()
        assert not all(torch.equal(a, b)
                       for a, b in zip(arch_parameters(model), before))
