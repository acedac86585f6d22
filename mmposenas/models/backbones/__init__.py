"""Backbones of mmposenas (registered into mmpose.registry.MODELS)."""
from .darts_cell_backbone import DartsCellBackbone
from .part_aware_nas import (PartAwareNASBackbone, cell_layout,
                             reduction_positions)

__all__ = [
    'DartsCellBackbone', 'PartAwareNASBackbone', 'cell_layout',
    'reduction_positions'
]

from .fabric import (CellNeuralFabric, FabricCell,  # noqa: E402,F401
                     PartFabricBackbone, cells_per_layer, fabric_positions,
                     neighbour_mask)

__all__ += [
    'CellNeuralFabric', 'FabricCell', 'PartFabricBackbone', 'cells_per_layer',
    'fabric_positions', 'neighbour_mask'
]
from .fabric_pruning import prune_pose_model  # noqa: E402,F401

__all__ += ['prune_pose_model']
from .autopose import AutoPoseBackbone  # noqa: E402

__all__ += ['AutoPoseBackbone']
from .fabric_backbone import FabricPyramidBackbone  # noqa: E402

__all__ += ['FabricPyramidBackbone']
