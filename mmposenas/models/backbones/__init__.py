"""Backbones of mmposenas (registered into mmpose.registry.MODELS)."""
from .darts_cell_backbone import DartsCellBackbone
from .part_aware_nas import (PartAwareNASBackbone, cell_layout,
                             reduction_positions)

__all__ = [
    'DartsCellBackbone', 'PartAwareNASBackbone', 'cell_layout',
    'reduction_positions'
]
from .autopose import AutoPoseBackbone  # noqa: E402

__all__ += ['AutoPoseBackbone']
