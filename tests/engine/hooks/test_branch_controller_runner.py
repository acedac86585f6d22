"""BranchControllerHook through the real Runner: what it records and sets.

One 3-epoch search of the tiny AutoPose supernet on the COCO sample (2
iterations per epoch; the controller from epoch 0, one update of 2 masks per
epoch, ``derive_interval=2``) with a recording hook that runs right after
``BranchControllerHook`` (priority NORMAL after ABOVE_NORMAL). The reward is
MMPose's ``EPE`` (continuous, so different masks get different rewards);
``CocoMetric`` is evaluated alongside it for its printed summary. Checked
against values taken independently of the hook: the controller's seed,
the greedy mask, the recorded history and message-hub scalars, the
derivation rule per epoch, reward caching, gradient clipping of the
controller (SGD, lr 1: a step moves the parameters by at most the clip
norm), and the resume / ``load_from`` behaviour of the controller state and
the branch derivation.
"""
import contextlib
import copy
import io
import json
import math

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

import mmposenas  # noqa: F401
from conftest import REPO
from mmposenas.engine.hooks import BranchControllerHook
from mmposenas.models.search import BranchController

SEARCH = (f'{REPO}/configs/autopose/'
          'td-hm_autopose-tiny-search_1xb7-2e_coco-sample-64x48.py')
HOOK_SEED, RUNNER_SEED, CLIP = 7, 0, 1e-3


def controller_hook(runner):
    return next(h for h in runner.hooks
                if isinstance(h, BranchControllerHook))


def flat_params(module):
    return torch.cat([p.detach().reshape(-1) for p in module.parameters()])


def assert_same_state(state, expected):
    """Controller state dicts: tensors equal, generator states equal."""
    assert state.keys() == expected.keys()
    for k, v in expected.items():
        if isinstance(v, dict):  # _extra_state: the sampling generator
            assert torch.equal(state[k]['generator'], v['generator']), k
        else:
            assert torch.equal(state[k], v), k


class NumpyStateBefore(Hook):
    """numpy's global RNG state before BranchControllerHook.before_train."""
    priority = 'HIGH'

    def before_train(self, runner):
        self.state = np.random.get_state()[1].copy()


class Recorder(Hook):
    """What BranchControllerHook left behind, read right after it ran."""
    priority = 'NORMAL'

    def __init__(self):
        self.iters, self.epochs = [], []

    def before_train(self, runner):
        hook = controller_hook(runner)
        backbone = runner.model.backbone
        self.numpy_state = np.random.get_state()[1].copy()
        self.start = dict(
            controller=copy.deepcopy(hook.controller.state_dict()),
            derivation=copy.deepcopy(backbone.branch_derivation),
            derived=backbone.derived_branches.tolist(),
            history=copy.deepcopy(hook.history))

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        mask = runner.model.backbone.active_branches
        on = runner.message_hub.get_scalar('train/branches_on').current()
        self.iters.append((mask, on))

    def after_train_epoch(self, runner):
        hook = controller_hook(runner)
        backbone = runner.model.backbone
        self.epochs.append(
            dict(greedy=hook.controller.sample(greedy=True).tolist(),
                 derived=backbone.derived_branches.tolist(),
                 derivation=copy.deepcopy(backbone.branch_derivation),
                 arch_entropy=backbone.arch_entropy(),
                 policy_entropy=runner.message_hub.get_scalar(
                     'train/policy_entropy').current(),
                 params=flat_params(hook.controller).clone()))


def run(work_dir, max_epochs=3, **checkpoint):
    cfg = Config.fromfile(SEARCH)
    cfg.work_dir = str(work_dir)
    cfg.train_cfg.max_epochs = max_epochs
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None  # no val
    cfg.randomness = dict(seed=RUNNER_SEED)
    cfg.model.backbone.modules_per_stage = 1  # D = 3 modules x B = 4
    hook = next(h for h in cfg.custom_hooks
                if h.type == 'BranchControllerHook')
    hook.update(
        plot=True, seed=HOOK_SEED, derive_interval=2, grad_clip=CLIP,
        optimizer=dict(type='SGD', lr=1.0), reward_key='EPE',
        reward_evaluator=[dict(type='CocoMetric', ann_file=None),
                          dict(type='EPE')])
    hook.reward_dataloader.dataset.indices = 7  # one batch per reward
    cfg.default_hooks.checkpoint.max_keep_ckpts = 3
    cfg.update(checkpoint)
    runner = Runner.from_cfg(cfg)
    before, recorder = NumpyStateBefore(), Recorder()
    runner.register_hook(before)
    runner.register_hook(recorder)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        runner.train()
    return runner, before, recorder, out.getvalue()


@pytest.fixture(scope='module')
def search(tmp_path_factory):
    return run(tmp_path_factory.mktemp('branch_search'))


def test_controller_seeded_by_the_hook_and_runner_rngs_untouched(search):
    runner, before, rec, _ = search
    torch.manual_seed(HOOK_SEED)
    expected = BranchController(3, 4, hidden_size=16, seed=HOOK_SEED)
    start = rec.start['controller']
    assert_same_state(start, expected.state_dict())
    other = BranchController(3, 4, hidden_size=16, seed=RUNNER_SEED)
    assert not torch.equal(start['_extra_state']['generator'],
                           other.generator.get_state())
    # building the reward loader (seeded with the runner's seed) and the
    # controller does not draw from numpy's global RNG
    assert np.array_equal(before.state, rec.numpy_state)
    # a fresh search: nothing restored
    assert rec.start['derivation'] == {}
    assert rec.start['history'] == dict(epochs=[], updates=[])


def test_every_iteration_runs_a_sampled_mask_and_logs_its_density(search):
    _, _, rec, _ = search
    assert len(rec.iters) == 6  # 3 epochs x 2 iterations
    for mask, on in rec.iters:
        assert on == pytest.approx(np.mean(mask))
    assert len({str(m) for m, _ in rec.iters}) > 1


def test_epoch_history_and_the_derivation_rule(search):
    runner, _, rec, _ = search
    hook = controller_hook(runner)
    epochs = hook.history['epochs']
    assert [set(e) for e in epochs] == [{
        'epoch', 'arch_entropy', 'policy_entropy', 'activation', 'derived',
        'branch_source'
    }] * 3
    assert [e['epoch'] for e in epochs] == [1, 2, 3]
    # derive_interval=2: epoch 2 and the last epoch derive, epoch 1 is greedy
    assert [e['branch_source'] for e in epochs] == [
        'controller_greedy', 'best_of_sampled', 'best_of_sampled']
    assert rec.epochs[0]['derivation'] == dict(
        branch_source='controller_greedy')
    assert epochs[0]['derived'] == rec.epochs[0]['greedy']
    for e, r in zip(epochs, rec.epochs):
        assert e['derived'] == r['derived']
        assert e['arch_entropy'] == r['arch_entropy']
        assert e['policy_entropy'] == pytest.approx(r['policy_entropy'])
        assert 0 < e['policy_entropy'] <= 12 * math.log(2)
        act = np.array(e['activation'])
        assert act.shape == (3, 4) and ((act >= 0) & (act <= 1)).all()
        assert np.allclose(act * 8, np.round(act * 8))  # 8 masks drawn
    for r in rec.epochs[1:]:
        info = r['derivation']
        table = info['branch_candidates']
        assert len(table) == 2 and info['branch_reward_key'] == 'EPE'
        best = max(table, key=lambda c: c['score'])
        assert info['branch_score'] == best['score']
        assert r['derived'] == best['branches']
    with open(f'{runner.work_dir}/branch_search.json') as f:
        text = f.read()
    written = json.loads(text)
    assert written == json.loads(json.dumps(hook.history))
    # one value per line, like genotype_history.json
    assert text == json.dumps(written, indent=1) + '\n'


def test_update_history_rewards_and_reward_cache(search):
    runner, _, rec, _ = search
    hook = controller_hook(runner)
    updates = hook.history['updates']
    assert [(u['epoch'], u['update']) for u in updates] == [(1, 0), (2, 0),
                                                             (3, 0)]
    for u in updates:
        assert {'epoch', 'update', 'rewards', 'masks', 'loss', 'reward',
                'baseline'} <= set(u)
        assert len(u['rewards']) == len(u['masks']) == 2
        assert u['reward'] == pytest.approx(np.mean(u['rewards']))
        if u['masks'][0] != u['masks'][1]:  # EPE tells masks apart
            assert u['rewards'][0] != u['rewards'][1]
    # the last update's rewards, recomputed with the final weights (the cache
    # was emptied at the end of the epoch); a second call hits the cache
    last = updates[-1]
    masks = [torch.tensor(m) for m in last['masks']]
    again = [hook.reward(runner, m) for m in masks]
    assert again == pytest.approx(last['rewards'], rel=1e-6)
    assert all(isinstance(r, float) for r in again)
    assert [hook.reward(runner, m) for m in masks] == again
    # the reward subset is scored against its own people only
    coco = hook._evaluator.metrics[0].coco
    ds = hook._reward_loader.dataset
    img_ids = {ds.get_data_info(i)['img_id'] for i in range(len(ds))}
    assert set(coco.getImgIds()) == img_ids and len(img_ids) < 4


def test_reward_evaluation_is_silent_unless_asked(search):
    runner, _, _, printed = search
    assert 'Average Precision' not in printed
    hook = controller_hook(runner)
    hook._reward_cache = {}
    out = io.StringIO()
    try:
        hook.quiet_eval = False
        with contextlib.redirect_stdout(out):
            hook.reward(runner, torch.ones(3, 4, dtype=torch.long))
    finally:
        hook.quiet_eval = True
    assert 'Average Precision' in out.getvalue()


def test_controller_steps_are_clipped(search):
    _, _, rec, _ = search
    state = rec.start['controller']
    start = torch.cat(
        [v.reshape(-1) for k, v in state.items() if k != '_extra_state'])
    params = [start] + [r['params'] for r in rec.epochs]
    moves = [(b - a).norm().item() for a, b in zip(params, params[1:])]
    # one SGD(lr=1) step per epoch, each of norm <= the clip norm; the
    # unclipped REINFORCE gradient of an EPE reward (pixels) is far larger
    assert all(0 < m <= CLIP * (1 + 1e-4) for m in moves), moves


def test_resume_restores_controller_and_derivation(search, tmp_path):
    runner, _, _, _ = search
    ckpt = torch.load(f'{runner.work_dir}/epoch_2.pth', map_location='cpu',
                      weights_only=True)
    saved = ckpt['branch_controller']
    assert saved['branch_derivation']['branch_source'] == 'best_of_sampled'
    assert len(saved['branch_derivation']['branch_candidates']) == 2
    assert len(saved['history']['epochs']) == 2
    # resumed at the end (epoch 3 of 3): no training, only the set-up
    _, _, rec, _ = run(tmp_path / 'resumed',
                       load_from=f'{runner.work_dir}/epoch_3.pth',
                       resume=True)
    final = torch.load(f'{runner.work_dir}/epoch_3.pth', map_location='cpu',
                       weights_only=True)['branch_controller']
    assert rec.start['derivation'] == final['branch_derivation']
    assert rec.start['history'] == final['history']
    assert_same_state(rec.start['controller'], final['controller'])
    # load_from without resume: the weights only; a fresh controller
    _, _, fresh, _ = run(tmp_path / 'loaded', max_epochs=1,
                         load_from=f'{runner.work_dir}/epoch_3.pth')
    assert fresh.start['derivation'] == {}
    assert fresh.start['history'] == dict(epochs=[], updates=[])
    torch.manual_seed(HOOK_SEED)
    expected = BranchController(3, 4, hidden_size=16, seed=HOOK_SEED)
    assert_same_state(fresh.start['controller'], expected.state_dict())


def test_hook_sample_draws_from_the_policy_by_default():
    hook = BranchControllerHook(reward_dataloader={}, reward_evaluator={})
    backbone = type('B', (), dict(num_branch_decisions=3, num_branches=4))
    hook.build_controller(backbone, seed=5)
    twin = copy.deepcopy(hook.controller)
    drawn = [hook.sample() for _ in range(6)]
    assert [d.tolist() for d in drawn] == [
        twin.sample().tolist() for _ in range(6)]
    assert len({str(d.tolist()) for d in drawn}) > 1
    assert torch.equal(hook.sample(greedy=True), twin.sample(greedy=True))
    assert all(d.dtype == torch.long and d.shape == (3, 4) for d in drawn)


def test_written_pictures_show_history_derivation_and_activation(
        search, tmp_path):
    """Each PNG equals the plot drawn directly from the values it shows."""
    from mmposenas.utils.search_plots import (plot_branch_architecture,
                                              plot_search_curves)
    runner, _, _, _ = search
    hook = controller_hook(runner)
    backbone = runner.model.backbone
    work = runner.work_dir
    derived = backbone.derived_branches.tolist()
    saved = copy.deepcopy(backbone.branch_derivation)
    activation = [[(i + 2 * j) % 8 / 8 for j in range(4)] for i in range(3)]
    cases = [(saved, activation, 'best_of_sampled'),
             (None, activation, ''), (saved, None, 'best_of_sampled')]
    last = hook.history['epochs'][-1]
    plot_branch_architecture(
        backbone.module_masks(last['derived']), backbone.channels,
        str(tmp_path / 'trained.png'),
        modules_per_stage=backbone.modules_per_stage,
        activation=backbone.module_masks(last['activation']),
        title='derived branches (best_of_sampled); numbers: activation '
        'frequency of the policy')
    with open(f'{work}/branch_architecture.png', 'rb') as f:  # by training
        assert f.read() == (tmp_path / 'trained.png').read_bytes()
    try:
        for k, (info, act, source) in enumerate(cases):
            backbone.set_derived_branches(derived, info)
            hook.write_outputs(runner, act)
            ref = tmp_path / str(k)
            ref.mkdir()
            plot_search_curves(hook.history['epochs'],
                               hook.history['updates'],
                               str(ref / 'curves.png'), begin_epoch=0)
            plot_branch_architecture(
                backbone.module_masks(derived), backbone.channels,
                str(ref / 'arch.png'),
                modules_per_stage=backbone.modules_per_stage,
                activation=None if act is None else
                backbone.module_masks(act),
                title=f'derived branches ({source}); numbers: activation '
                f'frequency of the policy')
            for name, drawn in (('curves.png', 'branch_search_curves.png'),
                                ('arch.png', 'branch_architecture.png')):
                with open(f'{work}/{drawn}', 'rb') as f:
                    assert f.read() == (ref / name).read_bytes(), (k, name)
            with open(f'{work}/branch_search.json') as f:
                assert json.load(f) == json.loads(json.dumps(hook.history))
        # a different derivation title gives a different picture
        assert (tmp_path / '0' / 'arch.png').read_bytes() != (
            tmp_path / '1' / 'arch.png').read_bytes()
        assert (tmp_path / '0' / 'arch.png').read_bytes() != (
            tmp_path / '2' / 'arch.png').read_bytes()
    finally:
        backbone.set_derived_branches(derived, saved)


def test_val_and_test_run_the_derived_branches(search):
    runner, _, _, _ = search
    hook = controller_hook(runner)
    backbone = runner.model.backbone
    derived = backbone.derived_branches.tolist()
    other = [[1 - b for b in row] for row in derived]
    for call in (hook.before_val_epoch, hook.before_test_epoch):
        backbone.set_active_branches(other)
        call(runner)
        assert backbone.active_branches == derived
