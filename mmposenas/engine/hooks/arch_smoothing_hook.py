"""SDARTS-RS: random smoothing of α during the weight step."""
from mmengine.hooks import Hook
from mmengine.runner import Runner
from mmpose.registry import HOOKS

from mmposenas.models.search import ArchitectureParameters
from .arch_optimizer_hook import unwrap_model
from .schedule import SCHEDULES, interpolate, run_progress


@HOOKS.register_module()
class ArchSmoothingHook(Hook):
    """Perturb α with uniform noise in the weight step (SDARTS-RS).

    Sets ``smoothing`` of every :class:`ArchitectureParameters` to ε, going
    from ``epsilon_start`` to ``epsilon_end`` over the run; every training
    forward pass then mixes ops with ``α + U(-ε, ε)`` (the same noise on all
    ranks). ``ArchOptimizerHook`` computes its α gradient without the noise,
    so the weights are trained to do well in a neighbourhood of α, which
    flattens the validation loss around α and keeps the search from
    collapsing to parameter-free ops. Logged as ``train/arch_smoothing``.

    Args:
        epsilon_start (float): ε of the first epoch (SDARTS: 0.03).
        epsilon_end (float): ε of the last epoch (SDARTS: 0.3).
        schedule (str): 'linear', 'exp' or 'cosine'.
        by_epoch (bool): Update per epoch (else per iteration).
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self, epsilon_start: float = 0.03, epsilon_end: float = 0.3,
                 schedule: str = 'linear', by_epoch: bool = True) -> None:
        if min(epsilon_start, epsilon_end) < 0 or schedule not in SCHEDULES:
            raise ValueError(
                f'ArchSmoothingHook: need epsilon >= 0 and schedule in '
                f'{SCHEDULES}, got {epsilon_start}, {epsilon_end}, '
                f'{schedule!r}')
        self.epsilon_start, self.epsilon_end = epsilon_start, epsilon_end
        self.schedule = schedule
        self.by_epoch = by_epoch

    def before_train_iter(self, runner: Runner, batch_idx: int,
                          data_batch=None) -> None:
        eps = interpolate(self.epsilon_start, self.epsilon_end,
                          run_progress(runner, self.by_epoch), self.schedule)
        for module in unwrap_model(runner.model).modules():
            if isinstance(module, ArchitectureParameters):
                module.smoothing = eps
        runner.message_hub.update_scalar('train/arch_smoothing', eps)

    def after_train(self, runner: Runner) -> None:
        for module in unwrap_model(runner.model).modules():
            if isinstance(module, ArchitectureParameters):
                module.smoothing = 0.0
