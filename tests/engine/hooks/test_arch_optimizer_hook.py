"""ArchOptimizerHook in a real MMEngine Runner on the shipped COCO sample."""
import copy
import subprocess

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

import mmposenas  # noqa: F401
from mmposenas.models.search import ArchitectureParameters, arch_parameters
from conftest import SEARCH_CFG, tool_cmd, tool_env


def search_cfg(work_dir, **hook_overrides):
    cfg = Config.fromfile(SEARCH_CFG)
    cfg.work_dir = str(work_dir)
    cfg.train_cfg.max_epochs = 2
    cfg.train_cfg.val_interval = 100  # no validation in these tests
    cfg.default_hooks.logger.interval = 1
    hook = cfg.custom_hooks[1]
    assert hook.type == 'ArchOptimizerHook'
    hook.begin_epoch = 0
    hook.update(hook_overrides)
    return cfg


def alphas_of(runner):
    return {i: a.detach().clone()
            for i, a in enumerate(arch_parameters(runner.model))}


def load(path):
    return torch.load(path, map_location='cpu')  # weights_only=True default


def test_train_script_writes_genotype_and_resume_restores_state(tmp_path):
    work = tmp_path / 'search'
    common = ['--work-dir', work, '--cfg-options',
              'custom_hooks.1.begin_epoch=0', 'train_cfg.val_interval=100']
    run = lambda *a: subprocess.run(  # noqa: E731
        tool_cmd('train.py', SEARCH_CFG, *a), env=tool_env(), check=True,
        capture_output=True, text=True)
    run(*common, 'train_cfg.max_epochs=2')
    genotype = work / 'genotype.json'
    assert genotype.is_file()
    from mmposenas.models.search import Genotype
    g = Genotype.load(str(genotype), required=['normal', 'reduce'])
    assert len(g['normal'].nodes) == 3

    ckpt2 = load(work / 'epoch_2.pth')
    state2 = ckpt2['arch_optimizer']['optimizer']['state']
    steps2 = [int(s['step']) for s in state2.values()]
    assert steps2 == [4, 4]  # 2 epochs x 2 iterations, α for normal+reduce

    out = run(*common, 'train_cfg.max_epochs=3', '--resume')
    assert 'restored the α optimizer' in out.stdout + out.stderr
    ckpt3 = load(work / 'epoch_3.pth')
    state3 = ckpt3['arch_optimizer']['optimizer']['state']
    # the Adam state continued from the checkpoint instead of restarting
    assert [int(s['step']) for s in state3.values()] == [6, 6]
    key = 'backbone.arch_params.alphas.normal'
    assert not torch.equal(ckpt2['state_dict'][key], ckpt3['state_dict'][key])


class RecordAtStart(Hook):
    """Record α and the α optimizer state once the other hooks set up."""
    priority = 'VERY_LOW'

    def before_train(self, runner):
        self.alphas = alphas_of(runner)
        arch_hook = next(h for h in runner.hooks
                         if type(h).__name__ == 'ArchOptimizerHook')
        self.arch_state = copy.deepcopy(arch_hook.optim_wrapper.state_dict())


def test_resume_restores_alpha_and_arch_optimizer_exactly(tmp_path):
    runner = Runner.from_cfg(search_cfg(tmp_path))
    runner.train()
    ckpt = load(tmp_path / 'epoch_2.pth')

    cfg = search_cfg(tmp_path)
    cfg.train_cfg.max_epochs = 3
    cfg.resume = True
    resumed = Runner.from_cfg(cfg)
    probe = RecordAtStart()
    resumed.register_hook(probe)
    resumed.train()
    for name, i in (('normal', 0), ('reduce', 1)):
        assert torch.equal(probe.alphas[i],
                           ckpt['state_dict'][f'backbone.arch_params.alphas.'
                                              f'{name}'])
    saved = ckpt['arch_optimizer']['optimizer']['state']
    for k, v in saved.items():
        for field in ('exp_avg', 'exp_avg_sq', 'step'):
            assert torch.equal(probe.arch_state['state'][k][field], v[field])
    # the data position is restored; a checkpoint without these fields
    # (written before they existed) starts at the beginning
    from mmposenas.engine.hooks import ArchOptimizerHook
    hook = next(h for h in resumed.hooks
                if isinstance(h, ArchOptimizerHook))
    state = dict(ckpt['arch_optimizer'], arch_epoch=3, arch_batches=1)
    hook._load_state(state)
    assert (hook._arch_epoch, hook._resume_batches) == (3, 1)
    # a checkpoint saved before the next α batch is drawn records the
    # restored position, not the (reset) count of batches drawn
    again = {}
    hook.before_save_checkpoint(resumed, again)
    assert {k: again['arch_optimizer'][k]
            for k in ('mode', 'arch_epoch', 'arch_batches')} == dict(
                mode='first_order', arch_epoch=3, arch_batches=1)
    hook._load_state({k: v for k, v in state.items()
                      if k not in ('param_schedulers', 'arch_epoch',
                                   'arch_batches')})
    assert (hook._arch_epoch, hook._resume_batches) == (0, 0)


def test_first_order_updates_only_alpha_in_hook_and_logs_entropy(tmp_path):
    runner = Runner.from_cfg(search_cfg(tmp_path))
    before = alphas_of(runner)
    runner.train()
    after = alphas_of(runner)
    assert all(not torch.equal(before[i], after[i]) for i in before)
    hub = runner.message_hub
    assert 'train/arch_entropy_normal' in hub.log_scalars
    assert 'train/arch_lr' in hub.log_scalars
    # the weight optimizer holds no α
    ids = {id(p) for g in runner.optim_wrapper.optimizer.param_groups
           for p in g['params']}
    assert not ids & {id(a) for a in arch_parameters(runner.model)}


def test_begin_epoch_delays_alpha_updates(tmp_path):
    runner = Runner.from_cfg(search_cfg(tmp_path, begin_epoch=5))
    before = alphas_of(runner)
    runner.train()
    after = alphas_of(runner)
    assert all(torch.equal(before[i], after[i]) for i in before)


def test_second_order_in_runner(tmp_path):
    cfg = search_cfg(tmp_path, mode='second_order', xi=1e-3)
    cfg.train_cfg.max_epochs = 1
    runner = Runner.from_cfg(cfg)
    before = alphas_of(runner)
    runner.train()
    assert all(not torch.equal(before[i], alphas_of(runner)[i])
               for i in before)


def test_random_mode_draws_seeded_alpha_and_freezes_it(tmp_path):
    cfg = search_cfg(tmp_path, mode='random', seed=3, arch_dataloader=None)
    cfg.train_cfg.max_epochs = 1
    runner = Runner.from_cfg(cfg)
    runner.train()
    ref = ArchitectureParameters({'normal': (9, 8), 'reduce': (9, 8)})
    ref.reset_random(3)
    got = alphas_of(runner)
    assert torch.equal(got[0], ref.alphas['normal'])
    assert torch.equal(got[1], ref.alphas['reduce'])


def test_synchronous_mode_trains_alpha_with_the_weights(tmp_path):
    cfg = search_cfg(tmp_path, mode='synchronous', arch_dataloader=None)
    cfg.train_cfg.max_epochs = 1
    cfg.optim_wrapper.arch_params = 'include'
    cfg.optim_wrapper.paramwise_cfg = dict(
        custom_keys={'arch_params': dict(lr_mult=3.0)})
    runner = Runner.from_cfg(cfg)
    before = alphas_of(runner)
    runner.train()
    assert all(not torch.equal(before[i], alphas_of(runner)[i])
               for i in before)
    lrs = {g['lr'] for g in runner.optim_wrapper.optimizer.param_groups
           if any(p is arch_parameters(runner.model)[0] for p in g['params'])}
    assert len(lrs) == 1 and lrs.pop() == pytest.approx(3e-3)


@pytest.mark.parametrize('mode,arch_params,message', [
    ('synchronous', 'exclude', 'must be updated by the runner optimizer'),
    ('first_order', 'include', 'would mix weight and'),
])
def test_misconfigured_optimizer_is_a_clear_error(tmp_path, mode,
                                                  arch_params, message):
    overrides = dict(mode=mode)
    if mode == 'synchronous':
        overrides['arch_dataloader'] = None
    cfg = search_cfg(tmp_path, **overrides)
    cfg.optim_wrapper.arch_params = arch_params
    with pytest.raises(RuntimeError, match=message):
        Runner.from_cfg(cfg).train()


def test_hook_argument_errors():
    from mmpose.registry import HOOKS
    with pytest.raises(ValueError, match='needs `arch_dataloader`'):
        HOOKS.build(dict(type='ArchOptimizerHook', mode='first_order'))
    with pytest.raises(ValueError, match='mode must be one of'):
        HOOKS.build(dict(type='ArchOptimizerHook', mode='third_order'))


def test_hook_defaults_copies_and_every_argument_error_in_full():
    from mmposenas.engine.hooks import ArchOptimizerHook
    loader = dict(batch_size=2, sampler=dict(type='DefaultSampler'))
    sched = dict(type='CosineAnnealingLR', T_max=4)
    h = ArchOptimizerHook(arch_dataloader=loader, param_scheduler=sched)
    assert (h.mode, h.begin_epoch, h.interval, h.xi, h.fd_radius, h.grad_clip,
            h.seed, h.random_std, h.cost_weight, h.cost_target,
            h.cost_input_shape) == ('first_order', 0, 1, None, 0.01, None, 0,
                                    1.0, 0.0, None, None)
    assert h.optimizer_cfg == dict(type='Adam', lr=3e-4, betas=(0.5, 0.999),
                                   weight_decay=1e-3)
    assert h.param_scheduler_cfg == [sched]  # one dict becomes a list
    loader['sampler']['type'] = 'X'
    sched['T_max'] = 9
    assert h.arch_dataloader_cfg['sampler']['type'] == 'DefaultSampler'
    assert h.param_scheduler_cfg == [dict(type='CosineAnnealingLR', T_max=4)]
    assert ArchOptimizerHook('random').param_scheduler_cfg == []
    h = ArchOptimizerHook('second_order', arch_dataloader=loader,
                          cost_weight=2, cost_target=5e6,
                          cost_input_shape=(3.0, 64, 48))
    assert (h.cost_weight, h.cost_target, h.cost_input_shape) == (
        2.0, 5e6, (3, 64, 48))
    assert isinstance(h.cost_weight, float)
    modes = "('first_order', 'second_order')"
    cases = [
        (dict(mode='third_order'), "mode must be one of ('first_order', "
         "'second_order', 'synchronous', 'random'), got 'third_order'"),
        (dict(mode='second_order'), "mode 'second_order' needs "
         "`arch_dataloader` (the architecture split)"),
        (dict(mode='synchronous', begin_epoch=1), 'begin_epoch applies to '
         f"the bilevel modes {modes}, not 'synchronous'"),
        (dict(mode='random', interval=0), 'interval must be >= 1, got 0'),
        (dict(mode='random', cost_weight=-1), 'cost_weight must be >= 0 and '
         'cost_target > 0, got -1, None'),
        (dict(mode='random', cost_target=0), 'cost_weight must be >= 0 and '
         'cost_target > 0, got 0.0, 0'),
        (dict(mode='random', cost_weight=1, cost_input_shape=(3, 8, 8)),
         f'cost_weight needs a bilevel mode {modes} and cost_input_shape=(C, '
         "H, W) of the search input; got mode='random', "
         'cost_input_shape=(3, 8, 8)'),
        (dict(arch_dataloader=loader, cost_weight=1), 'cost_weight needs a '
         f"bilevel mode {modes} and cost_input_shape=(C, H, W) of the search "
         "input; got mode='first_order', cost_input_shape=None"),
    ]
    for kw, message in cases:
        with pytest.raises(ValueError) as err:
            ArchOptimizerHook(**kw)
        assert str(err.value) == 'ArchOptimizerHook: ' + message, kw
    # the edges are allowed
    ArchOptimizerHook('random', interval=1, cost_weight=0, cost_target=1e-9)
    ArchOptimizerHook('synchronous', begin_epoch=0)


def test_arch_batches_of_a_mixed_ratio_loader_resume_at_the_batch_level():
    """A batch sampler that owns the order (MixedRatioBatchSampler, the
    mixed 2D+3D split) is seeded per pass and skipped by whole batches."""
    from torch.utils.data import ConcatDataset, DataLoader

    from mmposenas.datasets import MixedRatioBatchSampler, ResumableSampler
    from mmposenas.engine.hooks import ArchOptimizerHook

    def hook_with_loader():
        dataset = ConcatDataset([list(range(100)), list(range(30))])
        inner = ResumableSampler(dataset, dict(type='DefaultSampler',
                                               shuffle=True), seed=3)
        hook = ArchOptimizerHook('random')
        hook._arch_loader = DataLoader(
            dataset, batch_sampler=MixedRatioBatchSampler(inner, 10, (1, 1)))
        return hook

    full = hook_with_loader()
    drawn = [full._next_arch_batch().tolist() for _ in range(16)]
    per_pass = full._arch_loader.batch_sampler.__len__()
    assert full._arch_epoch == 16 // per_pass  # passes restarted
    assert drawn[:per_pass] != drawn[per_pass:2 * per_pass]  # reshuffled
    resumed = hook_with_loader()
    resumed._resume_batches = 3  # as _load_state sets it
    assert [resumed._next_arch_batch().tolist()
            for _ in range(5)] == drawn[3:8]
    assert resumed._arch_batches == 8  # what the next checkpoint records
