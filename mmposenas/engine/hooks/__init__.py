"""Hooks of mmposenas (registered into mmpose.registry.HOOKS)."""
from .arch_optimizer_hook import ArchOptimizerHook
from .arch_temperature_hook import ArchTemperatureHook
from .genotype_export_hook import GenotypeExportHook

__all__ = ['ArchOptimizerHook', 'ArchTemperatureHook', 'GenotypeExportHook']
from .branch_controller_hook import BranchControllerHook  # noqa: E402

__all__ += ['BranchControllerHook']
