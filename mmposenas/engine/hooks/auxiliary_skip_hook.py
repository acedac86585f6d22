"""DARTS-: an auxiliary skip connection on every edge, decaying to zero."""
from mmengine.hooks import Hook
from mmengine.runner import Runner
from mmpose.registry import HOOKS

from mmposenas.models.search import MixedOp
from .arch_optimizer_hook import unwrap_model
from .schedule import interpolate, run_progress


@HOOKS.register_module()
class AuxiliarySkipHook(Hook):
    """Add ``β · x`` to every stride-1 mixed op, β decaying to 0 (DARTS-).

    The auxiliary skip carries the gradient that otherwise makes the
    candidate ``skip_connect`` win (the DARTS collapse), so the α of
    ``skip_connect`` no longer has to. β goes from ``beta_start`` to 0 at the
    last epoch (DARTS-: linear from 1), so the derived network, which has no
    auxiliary skip, matches the supernet at the end of the search. Logged as
    ``train/aux_skip``. Applies to every :class:`MixedOp` of the model, of
    any method.

    Args:
        beta_start (float): β of the first epoch.
        schedule (str): 'linear' or 'cosine' (to 0).
        by_epoch (bool): Update per epoch (else per iteration).
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self, beta_start: float = 1.0, schedule: str = 'linear',
                 by_epoch: bool = True) -> None:
        if beta_start < 0 or schedule not in ('linear', 'cosine'):
            raise ValueError(f'AuxiliarySkipHook: need beta_start >= 0 and '
                             f'schedule "linear" or "cosine", got '
                             f'{beta_start}, {schedule!r}')
        self.beta_start = beta_start
        self.schedule = schedule
        self.by_epoch = by_epoch

    def _set(self, runner: Runner, beta: float) -> None:
        for module in unwrap_model(runner.model).modules():
            if isinstance(module, MixedOp):
                module.aux_skip = beta

    def before_train_iter(self, runner: Runner, batch_idx: int,
                          data_batch=None) -> None:
        beta = interpolate(self.beta_start, 0.0,
                           run_progress(runner, self.by_epoch), self.schedule)
        self._set(runner, beta)
        runner.message_hub.update_scalar('train/aux_skip', beta)

    def after_train(self, runner: Runner) -> None:
        self._set(runner, 0.0)
