"""Stop a diverging run before it overwrites good results."""
import math
import os.path as osp
from typing import Any, Dict, List, Optional

import torch
from mmengine.hooks import Hook
from mmengine.optim import OptimWrapperDict
from mmengine.runner import Runner
from mmpose.registry import HOOKS

from mmposenas.models.search import non_finite_arch_keys
from .arch_optimizer_hook import unwrap_model

class DivergenceError(RuntimeError):
    """Training produced a non-finite loss, weight or architecture parameter."""


def non_finite_terms(log_vars: Dict[str, Any]) -> List[str]:
    """Names of the logged loss terms that are NaN or infinite."""
    bad = []
    for name, value in log_vars.items():
        if isinstance(value, torch.Tensor):
            finite = bool(torch.isfinite(value).all())
        elif isinstance(value, (int, float)):
            finite = math.isfinite(value)
        else:
            continue
        if not finite:
            bad.append(name)
    return bad


def non_finite_weights(model: torch.nn.Module, limit: int = 5) -> List[str]:
    """Names of (at most ``limit``) parameters holding NaN or infinity."""
    bad = []
    for name, param in model.named_parameters():
        if not bool(torch.isfinite(param).all()):
            bad.append(name)
            if len(bad) >= limit:
                break
    return bad


@HOOKS.register_module()
class DivergenceGuardHook(Hook):
    """Stop training at the first non-finite loss or α, naming what diverged.

    After every training iteration the logged loss terms and every
    architecture parameter α are checked; a NaN or infinity raises
    :class:`DivergenceError` naming the iteration and the loss term or α key.
    Before a checkpoint is written the weights are checked too, so a
    checkpoint of a diverged model is never saved and MMEngine's
    ``max_keep_ckpts`` rotation never deletes the last good one in its
    favour: MMEngine's ``work_dir/last_checkpoint`` (what ``--resume``
    picks) always names a checkpoint of finite weights.

    With ``max_bad_steps > 0`` a step whose total loss is non-finite is
    skipped (no backward, no optimizer step; the weights stay as they were)
    and training stops only after ``max_bad_steps`` consecutive bad steps.
    This wraps the runner's optim wrapper ``update_params`` and needs a
    single optim wrapper.

    Args:
        max_bad_steps (int): Consecutive non-finite steps to skip before
            stopping; ``0`` stops at the first.
        check_weights_every (int): Also check all weights every N iterations
            (``0``: only before saving a checkpoint).
    """

    priority = 'HIGH'  # before the logger and checkpoint hooks

    def __init__(self, max_bad_steps: int = 0,
                 check_weights_every: int = 0) -> None:
        if max_bad_steps < 0 or check_weights_every < 0:
            raise ValueError(
                f'DivergenceGuardHook: max_bad_steps and check_weights_every '
                f'must be >= 0, got {max_bad_steps}, {check_weights_every}')
        self.max_bad_steps = max_bad_steps
        self.check_weights_every = check_weights_every
        self.bad_steps = 0
        self.skipped = 0
        self._last_skipped = False

    # ---------------------------------------------------------------- set-up
    def before_train(self, runner: Runner) -> None:
        self.bad_steps = 0
        if self.max_bad_steps == 0:
            return
        wrapper = runner.optim_wrapper
        if isinstance(wrapper, OptimWrapperDict):
            raise RuntimeError(
                'DivergenceGuardHook: max_bad_steps > 0 skips steps of a '
                'single optim wrapper; this runner has an OptimWrapperDict. '
                'Set max_bad_steps=0.')
        if getattr(wrapper, '_divergence_guarded', False):
            return
        original = wrapper.update_params

        def guarded_update_params(loss: torch.Tensor, *args, **kwargs):
            if bool(torch.isfinite(loss.detach()).all()):
                self._last_skipped = False
                return original(loss, *args, **kwargs)
            self._last_skipped = True
            self.skipped += 1
            wrapper.zero_grad()
            return None

        wrapper.update_params = guarded_update_params
        wrapper._divergence_guarded = True

    # ---------------------------------------------------------------- checks
    def _fail(self, runner: Runner, what: str) -> None:
        last = self._last_good(runner)
        raise DivergenceError(
            f'DivergenceGuardHook: training diverged at iteration '
            f'{runner.iter + 1} (epoch {runner.epoch + 1}): {what}. No '
            f'checkpoint or genotype was written from the diverged state; '
            f'the last good checkpoint is '
            f'{last or "(none saved yet)"}. Lower the learning rate(s), add '
            f'gradient clipping, or set max_bad_steps to skip isolated bad '
            f'steps.')

    @staticmethod
    def _last_good(runner: Runner) -> Optional[str]:
        # Every checkpoint is checked before it is written, so MMEngine's own
        # record of the newest one always names a finite checkpoint.
        path = osp.join(runner.work_dir, 'last_checkpoint')
        if osp.isfile(path):
            with open(path, encoding='utf-8') as f:
                return f.read().strip() or None
        return None

    def after_train_iter(self, runner: Runner, batch_idx: int,
                         data_batch: Any = None, outputs: Any = None) -> None:
        model = unwrap_model(runner.model)
        # α first: a non-finite α makes every loss non-finite too
        bad_alpha = non_finite_arch_keys(model)
        if bad_alpha:
            self._fail(runner, 'non-finite architecture parameters α ' +
                       ', '.join(bad_alpha))
        bad_terms = non_finite_terms(outputs or {})
        if not bad_terms:
            self.bad_steps = 0
        elif self.max_bad_steps and self._last_skipped:
            self.bad_steps += 1
            runner.logger.warning(
                f'DivergenceGuardHook: non-finite loss '
                f'({", ".join(bad_terms)}) at iteration {runner.iter + 1}; '
                f'step skipped ({self.bad_steps}/{self.max_bad_steps} '
                f'consecutive)')
            if self.bad_steps >= self.max_bad_steps:
                self._fail(runner, f'{self.bad_steps} consecutive '
                           f'non-finite losses ({", ".join(bad_terms)})')
        else:
            self._fail(runner, 'non-finite loss term(s) ' +
                       ', '.join(bad_terms))
        if (self.check_weights_every
                and (runner.iter + 1) % self.check_weights_every == 0):
            bad = non_finite_weights(model)
            if bad:
                self._fail(runner, 'non-finite weights ' + ', '.join(bad))

    def before_save_checkpoint(self, runner: Runner, checkpoint: dict) -> None:
        bad = non_finite_weights(unwrap_model(runner.model))
        if bad:
            self._fail(runner, 'non-finite weights ' + ', '.join(bad) +
                       ' (checkpoint not saved)')
