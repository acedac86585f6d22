"""Anneal the Gumbel-softmax temperature of architecture parameters."""
import math

from mmengine.hooks import Hook
from mmengine.runner import Runner
from mmpose.registry import HOOKS

from mmposenas.models.search import ArchitectureParameters
from .arch_optimizer_hook import unwrap_model


@HOOKS.register_module()
class ArchTemperatureHook(Hook):
    """Set τ of every :class:`ArchitectureParameters` from a schedule.

    τ goes from ``tau_max`` at the start to ``tau_min`` at the end of
    training, exponentially (``'exp'``, GDAS) or linearly (``'linear'``),
    per epoch or per iteration. It is logged as ``train/arch_tau``.

    Args:
        tau_max (float): Initial temperature.
        tau_min (float): Final temperature.
        schedule (str): ``'exp'`` or ``'linear'``.
        by_epoch (bool): Update per epoch (else per iteration).
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self, tau_max: float = 10.0, tau_min: float = 0.1,
                 schedule: str = 'exp', by_epoch: bool = True) -> None:
        if not 0 < tau_min <= tau_max:
            raise ValueError(f'ArchTemperatureHook: need 0 < tau_min <= '
                             f'tau_max, got {tau_min}, {tau_max}')
        if schedule not in ('exp', 'linear'):
            raise ValueError(f'ArchTemperatureHook: schedule must be "exp" or '
                             f'"linear", got {schedule!r}')
        self.tau_max, self.tau_min = tau_max, tau_min
        self.schedule = schedule
        self.by_epoch = by_epoch

    def temperature(self, progress: float) -> float:
        """τ at ``progress`` in [0, 1]."""
        p = min(max(progress, 0.0), 1.0)
        if self.schedule == 'exp':
            return self.tau_max * math.exp(p * math.log(self.tau_min /
                                                        self.tau_max))
        return self.tau_max + p * (self.tau_min - self.tau_max)

    def before_train_iter(self, runner: Runner, batch_idx: int,
                          data_batch=None) -> None:
        if self.by_epoch:
            total, done = max(runner.max_epochs - 1, 1), runner.epoch
        else:
            total, done = max(runner.max_iters - 1, 1), runner.iter
        tau = self.temperature(done / total)
        for module in unwrap_model(runner.model).modules():
            if isinstance(module, ArchitectureParameters):
                module.tau = tau
        runner.message_hub.update_scalar('train/arch_tau', tau)
