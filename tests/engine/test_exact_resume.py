"""A resumed search is the same run: bit for bit, through the real Runner.

One test kills a ``tools/train.py`` process (SIGKILL) right after a
checkpoint and resumes it with ``--resume``; the others crash a Runner in this
process after a checkpoint and resume with a new Runner. Each compares the
final weights, α, the α optimizer state and the genotype with an
uninterrupted run of the same deterministic config.
"""
import json
import os
import subprocess

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

import mmposenas  # noqa: F401
from conftest import REPO, SEARCH_CFG, tool_cmd, tool_env
from helpers.runtime_probes import SimulatedCrash


def load(path):
    return torch.load(path, map_location='cpu')  # weights_only=True


def assert_same_run(a_dir, b_dir, epoch):
    """Final checkpoints and genotypes of two work dirs are identical."""
    a, b = load(a_dir / f'epoch_{epoch}.pth'), load(b_dir / f'epoch_{epoch}.pth')
    assert a['state_dict'].keys() == b['state_dict'].keys()
    differ = [k for k in a['state_dict']
              if not torch.equal(a['state_dict'][k], b['state_dict'][k])]
    assert not differ, f'tensors differ after resume: {differ[:5]}'
    for key in ('optimizer', 'arch_optimizer'):
        if key in a:
            assert_nested_equal(a[key], b[key], key)
    assert (a_dir / 'genotype.json').read_text() == \
        (b_dir / 'genotype.json').read_text()


def assert_nested_equal(x, y, where):
    if isinstance(x, torch.Tensor):
        assert torch.equal(x, y), where
    elif isinstance(x, dict):
        assert x.keys() == y.keys(), where
        for k in x:
            assert_nested_equal(x[k], y[k], f'{where}.{k}')
    elif isinstance(x, (list, tuple)):
        assert len(x) == len(y), where
        for i, (u, v) in enumerate(zip(x, y)):
            assert_nested_equal(u, v, f'{where}[{i}]')
    else:
        assert x == y, where


def test_killed_search_resumes_bit_for_bit(tmp_path):
    """The issue's config: SIGKILL after the epoch-2 checkpoint, --resume."""
    env = tool_env()
    env['PYTHONPATH'] = os.pathsep.join(
        [os.path.join(REPO, 'tests'), env.get('PYTHONPATH', '')])
    cfg = Config.fromfile(SEARCH_CFG)
    cfg.randomness = dict(seed=0, deterministic=True)
    cfg.custom_hooks[1].begin_epoch = 0
    cfg.dump(str(tmp_path / 'full.py'))
    cfg.custom_imports.imports.append('helpers.runtime_probes')
    cfg.custom_hooks.append(dict(type='ProbeKillAfterEpochHook', epoch=2))
    cfg.dump(str(tmp_path / 'killed.py'))

    def train(config, work, *extra):
        return subprocess.run(
            tool_cmd('train.py', tmp_path / config, '--work-dir',
                     tmp_path / work, *extra), env=env, capture_output=True,
            text=True, cwd=REPO)

    full = train('full.py', 'full')
    assert full.returncode == 0, full.stderr[-2000:]
    killed = train('killed.py', 'resumed')
    assert killed.returncode == -9, killed.stderr[-2000:]  # SIGKILL
    assert (tmp_path / 'resumed' / 'epoch_2.pth').is_file()
    assert not (tmp_path / 'resumed' / 'epoch_3.pth').exists()
    resumed = train('killed.py', 'resumed', '--resume')
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert 'restored the Python, NumPy and torch random states' in (
        resumed.stdout + resumed.stderr)
    assert_same_run(tmp_path / 'full', tmp_path / 'resumed', 4)


def search_cfg(work_dir, mode, max_epochs=3, sampling='softmax',
               arch_batch=5, val_interval=100):
    cfg = Config.fromfile(SEARCH_CFG)
    cfg.work_dir = str(work_dir)
    cfg.randomness = dict(seed=0, deterministic=True)
    cfg.train_cfg.max_epochs = max_epochs
    cfg.train_cfg.val_interval = val_interval
    cfg.default_hooks.checkpoint.max_keep_ckpts = -1
    cfg.model.backbone.sampling = sampling
    hook = cfg.custom_hooks[1]
    hook.mode = mode
    hook.begin_epoch = 0
    if mode in ('first_order', 'second_order'):
        # 3 architecture batches per pass against 2 training iterations per
        # epoch: the checkpoint falls in the middle of a pass
        hook.arch_dataloader.batch_size = arch_batch
    else:
        hook.arch_dataloader = None
    if mode == 'second_order':
        hook.xi = 1e-3
    if mode == 'synchronous':
        cfg.optim_wrapper.arch_params = 'include'
    return cfg


@pytest.mark.parametrize('mode,sampling,val_interval', [
    ('second_order', 'gumbel_hard', 100),
    ('first_order', 'gumbel', 1),  # validation between the epochs
    ('synchronous', 'gumbel_hard', 100),
    ('random', 'softmax', 100),
])
def test_crashed_search_resumes_bit_for_bit(tmp_path, mode, sampling,
                                            val_interval):
    def run(work, crash_after=None, resume=False):
        cfg = search_cfg(work, mode, sampling=sampling,
                         val_interval=val_interval)
        if crash_after:
            cfg.custom_imports.imports.append('helpers.runtime_probes')
            cfg.custom_hooks.append(
                dict(type='ProbeCrashAfterEpochHook', epoch=crash_after))
        cfg.resume = resume
        Runner.from_cfg(cfg).train()

    run(tmp_path / 'full')
    with pytest.raises(SimulatedCrash):
        run(tmp_path / 'resumed', crash_after=1)
    run(tmp_path / 'resumed', resume=True)
    assert_same_run(tmp_path / 'full', tmp_path / 'resumed', 3)
    history = json.loads((tmp_path / 'resumed' /
                          'genotype_history.json').read_text())
    assert [h['epoch'] for h in history] == [1, 2, 3]


def test_resume_without_random_states_warns(tmp_path):
    """A checkpoint written without RandomStateHook resumes, with a warning."""
    cfg = search_cfg(tmp_path, 'first_order', max_epochs=1)
    cfg.default_hooks.pop('random_state')
    Runner.from_cfg(cfg).train()
    assert 'random_states' not in load(tmp_path / 'epoch_1.pth')
    cfg = search_cfg(tmp_path, 'first_order', max_epochs=2)
    cfg.resume = True
    cfg.default_hooks.random_state = dict(type='RandomStateHook', strict=True)
    with pytest.raises(RuntimeError, match='holds no random states'):
        Runner.from_cfg(cfg).train()
