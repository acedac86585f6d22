"""Schedule hooks (temperature, smoothing, auxiliary skip) and the NAS
optimizer constructor: the values they set at each epoch / iteration of a
real MMEngine Runner on a one-edge model (mutants of ``mmposenas/engine``
the older tests let through, see docs/testing.md)."""
import math

import pytest
import torch
from mmengine.model import BaseModel
from mmengine.runner import Runner
from mmpose.registry import OPTIM_WRAPPER_CONSTRUCTORS
from torch.utils.data import DataLoader

import mmposenas  # noqa: F401
from mmposenas.engine.hooks.schedule import interpolate
from mmposenas.models.search import (ArchitectureParameters, MixedOp,
                                     arch_parameters)


class OneEdgeModel(BaseModel):
    """α of one edge and its mixed op; records what each step saw."""

    def __init__(self):
        super().__init__()
        self.arch_params = ArchitectureParameters({'edge': (1, 3)})
        self.mixed = MixedOp(['skip_connect', 'avg_pool_3x3', 'conv_1x1'],
                             2, 2)
        self.seen = []

    def forward(self, inputs, data_samples=None, mode='tensor'):
        self.seen.append((self.arch_params.tau, self.arch_params.smoothing,
                          self.mixed.aux_skip))
        out = self.mixed(inputs, self.arch_params.weights('edge')[0])
        return dict(loss=out.square().mean())


def _run(tmp_path, hook, **train_cfg):
    model = OneEdgeModel()
    loader = DataLoader([torch.ones(2, 3, 3)] * 4, batch_size=2,
                        collate_fn=lambda b: dict(inputs=torch.stack(b)))
    runner = Runner(
        model=model, work_dir=str(tmp_path), train_dataloader=loader,
        train_cfg=train_cfg,
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.0)),
        custom_hooks=[hook], default_hooks=dict(logger=None),
        default_scope='mmpose')
    runner.train()
    return model, runner


def test_temperature_per_iteration(tmp_path):
    model, runner = _run(
        tmp_path, dict(type='ArchTemperatureHook', tau_max=8.0, tau_min=0.5,
                       schedule='linear', by_epoch=False),
        by_epoch=False, max_iters=5)
    # iteration i of 5: 8 + i / 4 * (0.5 - 8)
    assert [s[0] for s in model.seen] == pytest.approx(
        [8.0, 6.125, 4.25, 2.375, 0.5])
    assert runner.message_hub.get_scalar('train/arch_tau').current() == 0.5
    assert model.arch_params.tau == 0.5


def test_smoothing_per_epoch_and_reset_after_training(tmp_path):
    model, runner = _run(
        tmp_path, dict(type='ArchSmoothingHook', epsilon_start=0.1,
                       epsilon_end=0.3),
        by_epoch=True, max_epochs=3)
    # two iterations per epoch, linear by default
    assert [s[1] for s in model.seen] == pytest.approx(
        [0.1, 0.1, 0.2, 0.2, 0.3, 0.3])
    history = runner.message_hub.get_scalar('train/arch_smoothing')
    assert history.data[0][-1] == pytest.approx(0.3)
    assert model.arch_params.smoothing == 0.0  # off after training


def test_auxiliary_skip_cosine_to_zero_and_reset(tmp_path):
    model, runner = _run(
        tmp_path, dict(type='AuxiliarySkipHook', beta_start=2.0,
                       schedule='cosine'),
        by_epoch=True, max_epochs=4)
    # half cosine over progress 0, 1/3, 2/3, 1 (linear would give 4/3, 2/3)
    assert [s[2] for s in model.seen] == pytest.approx(
        [2.0, 2.0, 1.5, 1.5, 0.5, 0.5, 0.0, 0.0], abs=1e-12)
    assert runner.message_hub.get_scalar(
        'train/aux_skip').current() == pytest.approx(0.0, abs=1e-12)
    assert model.mixed.aux_skip == 0.0


def test_cosine_smoothing_and_the_defaults(tmp_path):
    model, _ = _run(
        tmp_path, dict(type='ArchSmoothingHook', epsilon_start=0.1,
                       epsilon_end=0.5, schedule='cosine'),
        by_epoch=True, max_epochs=4)
    assert [s[1] for s in model.seen][::2] == pytest.approx(
        [0.1, 0.2, 0.4, 0.5])
    from mmpose.registry import HOOKS
    smoothing = HOOKS.build(dict(type='ArchSmoothingHook'))
    assert (smoothing.epsilon_start, smoothing.epsilon_end,
            smoothing.schedule, smoothing.by_epoch) == (0.03, 0.3, 'linear',
                                                        True)
    skip = HOOKS.build(dict(type='AuxiliarySkipHook'))
    assert (skip.beta_start, skip.schedule, skip.by_epoch) == (1.0, 'linear',
                                                              True)


def test_a_single_epoch_run_stays_at_the_start_value(tmp_path):
    model, _ = _run(
        tmp_path, dict(type='ArchTemperatureHook', tau_max=4.0, tau_min=1.0),
        by_epoch=True, max_epochs=1)
    assert [s[0] for s in model.seen] == [4.0, 4.0]  # exp by default


def test_interpolate_clamps_and_shapes():
    assert interpolate(2.0, 4.0, -0.5) == 2.0
    assert interpolate(2.0, 4.0, 1.5) == 4.0
    assert interpolate(2.0, 4.0, 0.25, 'cosine') == pytest.approx(
        4.0 - 2.0 * 0.5 * (1 + math.cos(math.pi / 4)))
    assert interpolate(1.0, 16.0, 0.25, 'exp') == pytest.approx(2.0)
    for start, end in ((0.0, 1.0), (1.0, -1.0)):
        with pytest.raises(ValueError, match='positive'):
            interpolate(start, end, 0.5, 'exp')
    with pytest.raises(ValueError, match='unknown schedule'):
        interpolate(1.0, 2.0, 0.5, 'step')


def test_hook_arguments_are_checked():
    from mmpose.registry import HOOKS
    for cfg in (dict(type='ArchTemperatureHook', tau_max=1.0, tau_min=0.0),
                dict(type='ArchTemperatureHook', schedule='cosine'),
                dict(type='ArchSmoothingHook', epsilon_start=-0.1),
                dict(type='ArchSmoothingHook', epsilon_end=-0.1),
                dict(type='ArchSmoothingHook', schedule='step'),
                dict(type='AuxiliarySkipHook', beta_start=-1.0),
                dict(type='AuxiliarySkipHook', schedule='exp')):
        with pytest.raises(ValueError):
            HOOKS.build(cfg)
    # the edges are allowed
    HOOKS.build(dict(type='ArchTemperatureHook', tau_max=1.0, tau_min=1.0))
    HOOKS.build(dict(type='ArchSmoothingHook', epsilon_start=0.0,
                     epsilon_end=0.0, schedule='cosine'))
    HOOKS.build(dict(type='AuxiliarySkipHook', beta_start=0.0))


def _param_ids(wrapper):
    return [{id(p) for p in g['params']}
            for g in wrapper.optimizer.param_groups]


def test_nas_optim_wrapper_constructor_includes_or_excludes_alpha():
    model = OneEdgeModel()
    alpha = {id(p) for p in arch_parameters(model)}
    weights = {id(p) for p in model.parameters()} - alpha
    assert alpha and weights

    def build(**cfg):
        cfg = dict(optimizer=dict(type='SGD', lr=0.1), **cfg)
        return OPTIM_WRAPPER_CONSTRUCTORS.build(dict(
            type='NASOptimWrapperConstructor', optim_wrapper_cfg=cfg,
            paramwise_cfg=cfg.pop('paramwise_cfg', None)))(model)

    # default 'exclude': only the weights, and the group that held only α
    # (its own custom_keys group) is dropped instead of left empty
    excluded = build(paramwise_cfg=dict(
        custom_keys={'arch_params': dict(lr_mult=0.5)}))
    assert set().union(*_param_ids(excluded)) == weights
    assert all(_param_ids(excluded))
    included = build(arch_params='include', paramwise_cfg=dict(
        custom_keys={'arch_params': dict(lr_mult=0.5)}))
    groups = included.optimizer.param_groups
    assert set().union(*_param_ids(included)) == weights | alpha
    assert {g['lr'] for g in groups if {id(p) for p in g['params']} <= alpha
            } == {0.05}
    with pytest.raises(ValueError) as err:
        build(arch_params='both')
    assert str(err.value) == ('optim_wrapper.arch_params must be "exclude" '
                              'or "include", got \'both\'')
    # one group (no paramwise_cfg): α is taken out of it, the group stays
    (single, ) = _param_ids(build(arch_params='exclude'))
    assert single == weights
    cfg = dict(optimizer=dict(type='SGD', lr=0.1), arch_params='include')
    OPTIM_WRAPPER_CONSTRUCTORS.build(dict(
        type='NASOptimWrapperConstructor', optim_wrapper_cfg=cfg))(model)
    assert cfg['arch_params'] == 'include'  # the caller's config is kept


def test_run_progress_ends_at_the_last_epoch_or_iteration_and_clamps():
    from types import SimpleNamespace

    from mmposenas.engine.hooks.schedule import run_progress
    runner = SimpleNamespace(max_epochs=2, epoch=1, max_iters=2, iter=1)
    assert run_progress(runner, by_epoch=True) == 1.0  # the last of 2
    assert run_progress(runner, by_epoch=False) == 1.0
    runner = SimpleNamespace(max_epochs=5, epoch=2, max_iters=9, iter=2)
    assert run_progress(runner, True) == 0.5
    assert run_progress(runner, False) == 0.25
    runner = SimpleNamespace(max_epochs=2, epoch=7, max_iters=3, iter=9)
    assert run_progress(runner, True) == run_progress(runner, False) == 1.0
    single = SimpleNamespace(max_epochs=1, epoch=0, max_iters=1, iter=0)
    assert run_progress(single, True) == run_progress(single, False) == 0.0


def test_exponential_schedule_names_a_zero_end():
    with pytest.raises(ValueError, match='positive ends, got 2.0, 0.0'):
        interpolate(2.0, 0.0, 0.5, 'exp')


def test_temperature_hook_defaults():
    from mmpose.registry import HOOKS
    hook = HOOKS.build(dict(type='ArchTemperatureHook'))
    assert (hook.tau_max, hook.tau_min, hook.schedule,
            hook.by_epoch) == (10.0, 0.1, 'exp', True)
