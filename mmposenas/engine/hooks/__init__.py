"""Hooks of mmposenas (registered into mmpose.registry.HOOKS)."""
from .arch_optimizer_hook import ArchOptimizerHook
from .arch_smoothing_hook import ArchSmoothingHook
from .arch_temperature_hook import ArchTemperatureHook
from .auxiliary_skip_hook import AuxiliarySkipHook
from .divergence_guard_hook import DivergenceError, DivergenceGuardHook
from .genotype_export_hook import GenotypeExportHook
from .random_state_hook import RandomStateHook

__all__ = [
    'ArchOptimizerHook', 'ArchSmoothingHook', 'ArchTemperatureHook',
    'AuxiliarySkipHook', 'DivergenceError', 'DivergenceGuardHook',
    'GenotypeExportHook', 'RandomStateHook'
]
from .branch_controller_hook import BranchControllerHook  # noqa: E402

__all__ += ['BranchControllerHook']
