"""DivergenceGuardHook and the non-finite refusals, through the real Runner."""
import subprocess

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmpose.registry import MODELS

import mmposenas  # noqa: F401
from conftest import FIXED_CFG, SEARCH_CFG, tool_cmd, tool_env
import helpers.runtime_probes  # noqa: F401,E402  (registers the Probe hooks)
from mmposenas.engine.hooks import DivergenceError
from mmposenas.models.search import (NonFiniteArchError, arch_parameters,
                                     check_finite_arch)


@pytest.fixture(autouse=True)
def _mmpose_scope():
    """MODELS.build outside a Runner needs MMPose's default scope."""
    init_default_scope('mmpose')


def cfg_with_probe(base, work_dir, max_epochs=2, **probe):
    cfg = Config.fromfile(base)
    cfg.work_dir = str(work_dir)
    cfg.train_cfg.max_epochs = max_epochs
    cfg.train_cfg.val_interval = 100
    cfg.default_hooks.checkpoint.max_keep_ckpts = 1
    cfg.custom_imports.imports.append('helpers.runtime_probes')
    cfg.custom_hooks.append(dict(type='ProbeNaNHook', **probe))
    return cfg


def search_probe_cfg(work_dir, **probe):
    cfg = cfg_with_probe(SEARCH_CFG, work_dir, **probe)
    cfg.custom_hooks[1].begin_epoch = 0
    return cfg


def test_nan_loss_stops_with_iteration_and_term_and_keeps_good_results(
        tmp_path):
    # 2 iterations per epoch: iteration index 2 is the first of epoch 2
    runner = Runner.from_cfg(search_probe_cfg(tmp_path, iters=[2]))
    with pytest.raises(DivergenceError) as err:
        runner.train()
    msg = str(err.value)
    assert ('iteration 3 (epoch 2): non-finite loss term(s) loss, '
            'loss_kpt.') in msg
    assert 'epoch_1.pth' in msg  # the last good checkpoint is named
    # epoch 1's checkpoint survives rotation (max_keep_ckpts=1), nothing newer
    assert (tmp_path / 'epoch_1.pth').is_file()
    assert not (tmp_path / 'epoch_2.pth').exists()
    assert (tmp_path / 'last_checkpoint').read_text().strip().endswith(
        'epoch_1.pth')
    # genotype.json is epoch 1's: α in the checkpoint derives the same one
    ckpt = torch.load(tmp_path / 'epoch_1.pth', map_location='cpu')
    alphas = {k: v for k, v in ckpt['state_dict'].items() if 'arch_params' in k}
    assert all(torch.isfinite(v).all() for v in alphas.values())
    cfg = Config.fromfile(SEARCH_CFG)
    model = MODELS.build(cfg.model)
    model.load_state_dict(ckpt['state_dict'])
    assert (tmp_path / 'genotype.json').read_text() == \
        model.backbone.derive_genotype().to_json()


def test_nan_alpha_is_named(tmp_path):
    runner = Runner.from_cfg(search_probe_cfg(tmp_path, iters=[1],
                                              target='alpha'))
    with pytest.raises(DivergenceError,
                       match=r'iteration 2 .*α backbone\.arch_params\.alphas\.normal'):
        runner.train()
    assert not (tmp_path / 'genotype.json').exists()


def test_non_finite_weights_are_never_checkpointed(tmp_path):
    # a NaN weight at the last iteration of epoch 1: the loss check fires
    # first; with the loss check skipped the checkpoint check must hold
    cfg = cfg_with_probe(FIXED_CFG, tmp_path, iters=[1], target='weight',
                         max_epochs=1)
    cfg.model.backbone.genotype = _genotype_file(tmp_path)
    runner = Runner.from_cfg(cfg)
    guard = next(h for h in runner.hooks
                 if type(h).__name__ == 'DivergenceGuardHook')
    guard.after_train_iter = lambda *a, **k: None  # only the save check
    with pytest.raises(DivergenceError, match=(
            r'non-finite weights backbone\.stem\.0\.weight, .*\.weight '
            r'\(checkpoint not saved\)')):
        runner.train()
    assert not (tmp_path / 'epoch_1.pth').exists()


def _genotype_file(tmp_path):
    cfg = Config.fromfile(SEARCH_CFG)
    path = tmp_path / 'g.json'
    MODELS.build(cfg.model).backbone.derive_genotype().save(str(path))
    return str(path)


def test_skip_mode_skips_isolated_bad_steps(tmp_path):
    genotype = _genotype_file(tmp_path)
    cfg = cfg_with_probe(FIXED_CFG, tmp_path / 'skip', iters=[1],
                         max_epochs=1)
    cfg.model.backbone.genotype = genotype
    cfg.default_hooks.divergence_guard.max_bad_steps = 2
    runner = Runner.from_cfg(cfg)
    probe = WeightsAroundIter()
    runner.register_hook(probe)
    runner.train()  # one bad step is skipped, training finishes
    guard = next(h for h in runner.hooks
                 if type(h).__name__ == 'DivergenceGuardHook')
    assert guard.skipped == 1
    weights = torch.load(tmp_path / 'skip' / 'epoch_1.pth',
                         map_location='cpu')['state_dict']
    assert all(torch.isfinite(v).all() for v in weights.values()
               if v.is_floating_point())

    # the skipped step changed no weight and no optimizer state
    assert probe.before.keys() == probe.after.keys()
    assert all(torch.equal(probe.before[k], probe.after[k])
               for k in probe.before)
    assert probe.steps_before == probe.steps_after == 1

    # a finite step through the guard passes every argument on:
    # zero_kwargs given by position keep the zeroed gradients
    wrapper = runner.optim_wrapper
    params = [p for p in runner.model.parameters() if p.requires_grad]
    loss = sum((p * 0).sum() for p in params) + 1.0
    wrapper.update_params(loss, None, dict(set_to_none=False))
    assert guard.skipped == 1
    assert all(p.grad is not None and not p.grad.any() for p in params)


class WeightsAroundIter(Hook):
    """Weights and Adam step counts just before and after iteration 1."""
    priority = 'LOWEST'

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if runner.iter == 1:
            self.before = self._weights(runner)
            self.steps_before = self._steps(runner)

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if runner.iter == 1:
            self.after = self._weights(runner)
            self.steps_after = self._steps(runner)

    @staticmethod
    def _weights(runner):
        return {k: v.detach().clone()
                for k, v in runner.model.named_parameters()}

    @staticmethod
    def _steps(runner):
        state = runner.optim_wrapper.optimizer.state
        return {int(s['step']) for s in state.values()}.pop()


def test_skip_mode_stops_after_consecutive_bad_steps(tmp_path):
    cfg = cfg_with_probe(FIXED_CFG, tmp_path, iters=[0, 1], max_epochs=1)
    cfg.model.backbone.genotype = _genotype_file(tmp_path)
    cfg.default_hooks.divergence_guard.max_bad_steps = 2
    # iterations 1 and 2 are bad: the count starts at 0 in every run
    with pytest.raises(DivergenceError, match=(
            r'iteration 2 \(epoch 1\): 2 consecutive non-finite')):
        Runner.from_cfg(cfg).train()


def test_derive_refuses_a_nan_checkpoint(tmp_path):
    cfg = Config.fromfile(SEARCH_CFG)
    model = MODELS.build(cfg.model)
    with torch.no_grad():
        arch_parameters(model)[1][0, 0] = float('nan')
    with pytest.raises(NonFiniteArchError, match=r'backbone\.arch_params'
                       r'\.alphas\.reduce'):
        check_finite_arch(model)
    ckpt = tmp_path / 'nan.pth'
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    out = tmp_path / 'g.json'
    proc = subprocess.run(tool_cmd('derive.py', SEARCH_CFG, ckpt, '--out',
                                   out), env=tool_env(), capture_output=True,
                          text=True)
    assert proc.returncode != 0
    assert 'hold NaN or infinity' in proc.stderr and str(ckpt) in proc.stderr
    assert not out.exists()


def test_non_finite_terms_and_weights_are_named():
    from mmposenas.engine.hooks.divergence_guard_hook import (
        non_finite_terms, non_finite_weights)
    terms = dict(a=float('nan'), b=1, c='text', d=torch.tensor([1., 2.]),
                 e=torch.tensor([1., float('inf')]), f=float('-inf'), g=2.5)
    assert non_finite_terms(terms) == ['a', 'e', 'f']
    net = torch.nn.Sequential(*[torch.nn.Linear(1, 1) for _ in range(4)])
    with torch.no_grad():
        for i in (0, 2, 3):
            net[i].bias.fill_(float('nan'))
    assert non_finite_weights(net) == ['0.bias', '2.bias', '3.bias']
    assert non_finite_weights(net, limit=2) == ['0.bias', '2.bias']


def test_guard_arguments_and_periodic_weight_check(tmp_path):
    from mmposenas.engine.hooks import DivergenceGuardHook
    for kw in (dict(max_bad_steps=-1), dict(check_weights_every=-2)):
        with pytest.raises(ValueError, match='must be >= 0, got'):
            DivergenceGuardHook(**kw)
    cfg = Config.fromfile(FIXED_CFG)
    cfg.work_dir = str(tmp_path)
    cfg.model.backbone.genotype = _genotype_file(tmp_path)
    runner = Runner.from_cfg(cfg)
    finite = dict(loss=torch.tensor(0.5))
    with torch.no_grad():
        next(runner.model.backbone.parameters()).fill_(float('nan'))
    DivergenceGuardHook().after_train_iter(runner, 0, outputs=finite)
    # runner.iter is 0: iteration 1 is checked by every=1, not by every=2
    DivergenceGuardHook(check_weights_every=2).after_train_iter(
        runner, 0, outputs=finite)
    with pytest.raises(DivergenceError) as err:
        DivergenceGuardHook(check_weights_every=1).after_train_iter(
            runner, 0, outputs=finite)
    assert 'iteration 1 (epoch 1): non-finite weights backbone.' in str(
        err.value)
    assert 'the last good checkpoint is (none saved yet)' in str(err.value)
    (tmp_path / 'last_checkpoint').write_text(f'{tmp_path}/epoch_3.pth\n')
    with pytest.raises(DivergenceError,
                       match=f'the last good checkpoint is {tmp_path}/'
                       'epoch_3.pth. Lower'):
        DivergenceGuardHook().after_train_iter(
            runner, 0, outputs=dict(loss=float('nan')))
