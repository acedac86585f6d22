"""RandomStateHook in this process: what it saves, restores and reports.

(``tests/engine/test_exact_resume.py`` checks the whole exact resume through
``tools/train.py`` in subprocesses; these run the hook through the Runner in
this process, on the tiny DARTS search config.)
"""
import glob
import itertools
import random

import numpy as np
import pytest
import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner

from mmposenas.engine.hooks.random_state_hook import (CHECKPOINT_KEY,
                                                      RandomStateHook,
                                                      get_random_states,
                                                      set_random_states)
from test_arch_optimizer_hook import search_cfg


def draws():
    return (random.random(), float(np.random.rand()), float(torch.rand(())))


class StatesAtTrainStart(Hook):
    """The torch RNG state once every before_train hook has run."""

    def before_train(self, runner):
        self.torch = torch.get_rng_state().clone()


RUNS = itertools.count()


def run(work_dir, max_epochs=2, strict=False, loader=None, **options):
    """Train the tiny search with the hook; ``loader`` updates the training
    loader config. Each run gets its own experiment name: MMEngine names
    its logger after the config and the second the Runner was built, so a
    Runner built in the same second as the previous one would log into
    that one's file."""
    cfg = search_cfg(work_dir)
    cfg.experiment_name = f'random_state_{next(RUNS)}'
    cfg.train_dataloader.update(loader or {})
    cfg.train_cfg.max_epochs = max_epochs
    cfg.custom_hooks[1].begin_epoch = 100  # no α steps: a faster run
    cfg.default_hooks.random_state = dict(type='RandomStateHook',
                                          strict=strict)
    cfg.update(options)
    runner = Runner.from_cfg(cfg)
    recorder = StatesAtTrainStart()
    runner.register_hook(recorder, priority='LOWEST')  # after the hook
    runner.train()
    log = open(glob.glob(f'{runner.log_dir}/*.log')[0]).read()
    return runner, recorder, log


@pytest.fixture(scope='module')
def first(tmp_path_factory):
    return run(tmp_path_factory.mktemp('random_states'))


def test_states_round_trip_and_missing_keys_are_named():
    states = get_random_states()
    assert states['cuda'] == [] and set(states) == {'python', 'numpy',
                                                    'torch', 'cuda'}
    expected = draws()
    assert draws() != expected
    # the pickled form: the Mersenne tuple and NumPy's state as lists
    py = states['python']
    set_random_states(dict(states, python=(py[0], list(py[1]), py[2]),
                           numpy=list(states['numpy'])))
    assert draws() == expected
    partial = {k: v for k, v in states.items() if k not in ('numpy', 'torch')}
    with pytest.raises(KeyError) as err:
        set_random_states(partial)
    assert err.value.args[0] == ("random states lack ['numpy', 'torch']; "
                                 "found ['cuda', 'python']")


def test_lenient_by_default():
    assert RandomStateHook().strict is False
    assert RandomStateHook(strict=True).strict is True


def test_validation_leaves_the_training_draws_alone():
    hook = RandomStateHook()
    hook.before_val(None)
    expected = draws()
    hook.after_val(None)
    assert draws() == expected
    after = get_random_states()['torch']
    hook.after_val(None)  # nothing saved any more: nothing restored
    assert torch.equal(get_random_states()['torch'], after)


def test_checkpoints_hold_the_states_and_the_run_length(first):
    runner, _, log = first
    ckpt = torch.load(f'{runner.work_dir}/epoch_1.pth', map_location='cpu')
    saved = ckpt[CHECKPOINT_KEY]
    assert set(saved) == {'states', 'max_epochs', 'max_iters'}
    assert (saved['max_epochs'], saved['max_iters']) == (2, runner.max_iters)
    assert set(saved['states']) == {'python', 'numpy', 'torch', 'cuda'}
    assert 'RandomStateHook:' not in log  # a fresh run restores nothing


def test_resume_restores_the_states_and_reports_a_new_run_length(
        first, tmp_path):
    runner, _, _ = first
    ckpt_path = f'{runner.work_dir}/epoch_1.pth'
    saved = torch.load(ckpt_path, map_location='cpu')[CHECKPOINT_KEY]
    iters = saved['max_iters']
    _, rec, log = run(tmp_path / 'longer', max_epochs=3, load_from=ckpt_path,
                      resume=True)
    assert torch.equal(rec.torch, saved['states']['torch'])
    assert ('RandomStateHook: resumed with a different run length '
            f'max_epochs 2 -> 3, max_iters {iters} -> {iters // 2 * 3}') in log
    assert 'restored the Python, NumPy and torch random states' in log
    # load_from without resume: weights only, states left alone, no report
    _, rec, log = run(tmp_path / 'loaded', max_epochs=1, load_from=ckpt_path)
    assert not torch.equal(rec.torch, saved['states']['torch'])
    assert 'RandomStateHook:' not in log


def test_a_checkpoint_without_states_is_reported_on_resume(first, tmp_path):
    runner, _, _ = first
    ckpt = torch.load(f'{runner.work_dir}/epoch_1.pth', map_location='cpu')
    del ckpt[CHECKPOINT_KEY]
    bare = str(tmp_path / 'bare.pth')
    torch.save(ckpt, bare)
    message = ('RandomStateHook: the checkpoint holds no random states '
               '(written without this hook), so the resumed run will draw '
               'different augmentations and samples')
    with pytest.raises(RuntimeError) as err:
        run(tmp_path / 'strict', strict=True, load_from=bare, resume=True)
    assert str(err.value) == message
    _, _, log = run(tmp_path / 'lenient', load_from=bare, resume=True)
    assert message in log
    _, _, log = run(tmp_path / 'loaded', max_epochs=1, strict=True,
                    load_from=bare)  # not a resume: nothing to report
    assert 'RandomStateHook:' not in log


@pytest.mark.parametrize('persistent', [True, False])
def test_resume_warns_about_persistent_workers(first, tmp_path, persistent):
    """Worker processes that outlive an epoch keep RNG states no checkpoint
    holds: a resume says so, and only then (a finished run is resumed, so
    no worker is ever started)."""
    runner, _, _ = first
    _, _, log = run(tmp_path, load_from=f'{runner.work_dir}/epoch_2.pth',
                    resume=True, loader=dict(num_workers=1,
                                             persistent_workers=persistent))
    assert 'restored the Python, NumPy and torch random states' in log
    warned = ('RandomStateHook: train_dataloader.persistent_workers=True: '
              'the random states inside its worker processes are not '
              'checkpointed') in log
    assert warned == persistent
