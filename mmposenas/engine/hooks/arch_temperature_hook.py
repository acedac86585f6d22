"""Anneal the Gumbel-softmax temperature of architecture parameters."""
from mmengine.hooks import Hook
from mmengine.runner import Runner
from mmpose.registry import HOOKS

from mmposenas.models.search import ArchitectureParameters
from .arch_optimizer_hook import unwrap_model
from .schedule import interpolate, run_progress


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
        return interpolate(self.tau_max, self.tau_min, progress,
                           self.schedule)

    def before_train_iter(self, runner: Runner, batch_idx: int,
                          data_batch=None) -> None:
        tau = self.temperature(run_progress(runner, self.by_epoch))
        for module in unwrap_model(runner.model).modules():
            if isinstance(module, ArchitectureParameters):
                module.tau = tau
        runner.message_hub.update_scalar('train/arch_tau', tau)
