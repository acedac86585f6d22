"""Checkpoint the random-number states of the process for exact resume."""
import random
from typing import Any, Dict, Optional

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner
from mmpose.registry import HOOKS

CHECKPOINT_KEY = 'random_states'


def get_random_states() -> Dict[str, Any]:
    """The Python, NumPy and torch (CPU and CUDA) generator states.

    Returns:
        dict: ``python`` (tuple), ``numpy`` (tuple with a uint32 array),
        ``torch`` (uint8 tensor) and ``cuda`` (list of uint8 tensors, empty
        without CUDA). Every value loads under ``torch.load(weights_only=True)``
        once ``import mmposenas`` has allow-listed NumPy arrays.
    """
    cuda = ([s.cpu() for s in torch.cuda.get_rng_state_all()]
            if torch.cuda.is_available() else [])
    return dict(python=random.getstate(), numpy=np.random.get_state(),
                torch=torch.get_rng_state(), cuda=cuda)


def set_random_states(states: Dict[str, Any]) -> None:
    """Restore states written by :func:`get_random_states`.

    Raises:
        KeyError: If ``states`` lacks one of ``python``, ``numpy``, ``torch``.
    """
    missing = [k for k in ('python', 'numpy', 'torch') if k not in states]
    if missing:
        raise KeyError(f'random states lack {missing}; found '
                       f'{sorted(states)}')
    py = states['python']
    # pickling turns the inner tuple of the Mersenne state into a list
    random.setstate((py[0], tuple(py[1]), py[2]))
    np.random.set_state(tuple(states['numpy']))
    torch.set_rng_state(states['torch'].cpu())
    cuda = states.get('cuda') or []
    if cuda and torch.cuda.is_available():
        if len(cuda) != torch.cuda.device_count():
            raise RuntimeError(
                f'the checkpoint holds the CUDA generator states of '
                f'{len(cuda)} device(s) but {torch.cuda.device_count()} are '
                f'visible; resume with the same CUDA_VISIBLE_DEVICES')
        torch.cuda.set_rng_state_all(cuda)


@HOOKS.register_module()
class RandomStateHook(Hook):
    """Save the process's random-number states; restore them on resume.

    With it a resumed run draws the same augmentations, Gumbel noise, dropout
    masks and random architecture samples as the uninterrupted run would have
    (the rest of the state — weights, optimizers, schedulers, the α optimizer
    and its data position — is checkpointed by MMEngine and the other hooks).

    * ``before_save_checkpoint``: the states go into ``checkpoint
      ['random_states']``, together with the run length (``max_epochs`` /
      ``max_iters``).
    * ``before_train`` of a resumed run: the states are restored. The hook
      runs last (priority ``LOWEST``), after every other hook has set up.
      A run length that differs from the checkpoint's is reported: schedules
      that depend on it (temperature annealing, cosine ``T_max``/``end``,
      ``ArchTemperatureHook``) then continue differently from the original.
    * Validation is RNG-neutral: the states are saved before and restored
      after every validation run, so validating (or not) never changes the
      training draws.

    Exactness holds for epoch-based loops with ``persistent_workers=False``
    (each epoch's workers are re-seeded by MMEngine from the seed) on a
    deterministic device (CPU, or CUDA with ``deterministic=True``).

    Args:
        strict (bool): Raise (instead of warning) when a resumed checkpoint
            holds no random states, e.g. one written without this hook.
    """

    priority = 'LOWEST'

    def __init__(self, strict: bool = False) -> None:
        self.strict = strict
        self._pending: Optional[Dict[str, Any]] = None
        self._val_states: Optional[Dict[str, Any]] = None

    @staticmethod
    def _run_length(runner: Runner) -> Dict[str, int]:
        return dict(max_epochs=int(runner.max_epochs),
                    max_iters=int(runner.max_iters))

    def before_save_checkpoint(self, runner: Runner, checkpoint: dict) -> None:
        checkpoint[CHECKPOINT_KEY] = dict(states=get_random_states(),
                                          **self._run_length(runner))

    def after_load_checkpoint(self, runner: Runner, checkpoint: dict) -> None:
        self._pending = checkpoint.get(CHECKPOINT_KEY)
        if self._pending is None and getattr(runner, '_resume', False):
            message = ('RandomStateHook: the checkpoint holds no random '
                       'states (written without this hook), so the resumed '
                       'run will draw different augmentations and samples')
            if self.strict:
                raise RuntimeError(message)
            runner.logger.warning(message)

    def before_train(self, runner: Runner) -> None:
        pending, self._pending = self._pending, None
        if pending is None or not getattr(runner, '_resume', False):
            return
        set_random_states(pending['states'])
        saved = {k: pending.get(k) for k in ('max_epochs', 'max_iters')}
        now = self._run_length(runner)
        changed = {k: (saved[k], now[k]) for k in saved
                   if saved[k] is not None and saved[k] != now[k]}
        if changed:
            runner.logger.warning(
                'RandomStateHook: resumed with a different run length ' +
                ', '.join(f'{k} {a} -> {b}' for k, (a, b) in changed.items())
                + '; schedules that depend on it (ArchTemperatureHook, cosine'
                ' or end-bounded param schedulers) now differ from the '
                'original run. To extend a finished run without changing its '
                'past schedule, see README "Resuming and extending a run".')
        runner.logger.info('RandomStateHook: restored the Python, NumPy and '
                           'torch random states from the checkpoint')
        loader = runner.train_dataloader
        if getattr(loader, 'persistent_workers', False) and \
                getattr(loader, 'num_workers', 0) > 0:
            runner.logger.warning(
                'RandomStateHook: train_dataloader.persistent_workers=True: '
                'the random states inside its worker processes are not '
                'checkpointed, so augmentations after the resume differ from '
                'the uninterrupted run; set persistent_workers=False for an '
                'exact resume')

    def before_val(self, runner: Runner) -> None:
        self._val_states = get_random_states()

    def after_val(self, runner: Runner) -> None:
        if self._val_states is not None:
            set_random_states(self._val_states)
            self._val_states = None
