"""The shared search core used by every method.

* :mod:`.ops`: candidate operations buildable by name, named op sets.
* :mod:`.mixed`: the mixed operation over a candidate set.
* :mod:`.arch`: architecture parameters α, sampling (softmax / Gumbel) and the
  searchable-network interface.
* :mod:`.genotype`: genotype dataclasses, JSON/YAML round trip, validation and
  derivation rules.
* :mod:`.cell`: the DARTS cell, searchable or fixed.
"""
from .arch import (SAMPLING_MODES, ArchitectureParameters, NonFiniteArchError,
                   SearchableMixin, arch_parameters, check_finite_arch,
                   non_finite_arch_keys, sample_weights, searchable_modules,
                   weight_parameters)
from .cell import Resample, SearchCell
from .genotype import (CellGenotype, Genotype, GenotypeError, derive_cell,
                       num_cell_edges)
from .mixed import MixedOp
from .ops import OP_SETS, OPS, build_op, resolve_op_names

__all__ = [
    'SAMPLING_MODES', 'ArchitectureParameters', 'NonFiniteArchError',
    'SearchableMixin', 'check_finite_arch', 'non_finite_arch_keys',
    'arch_parameters', 'sample_weights', 'searchable_modules',
    'weight_parameters', 'Resample', 'SearchCell', 'CellGenotype', 'Genotype',
    'GenotypeError', 'derive_cell', 'num_cell_edges', 'MixedOp', 'OP_SETS',
    'OPS', 'build_op', 'resolve_op_names'
]
from .arch import named_searchable_modules  # noqa: E402

__all__ += ['named_searchable_modules']
from .branch_controller import (BranchController, BranchSample,  # noqa: E402
                                MovingAverageBaseline, reinforce_update,
                                select_best_mask)

__all__ += [
    'BranchController', 'BranchSample', 'MovingAverageBaseline',
    'reinforce_update', 'select_best_mask'
]
