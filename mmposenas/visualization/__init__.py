"""Pictures of searched architectures (cells, network choices, α history)."""
from .genotype_plot import (cell_to_dot, draw_cell, draw_entropy_history,
                            draw_genotype, joint_names_from_meta, node_labels)

__all__ = [
    'cell_to_dot', 'draw_cell', 'draw_entropy_history', 'draw_genotype',
    'joint_names_from_meta', 'node_labels'
]
from .compat import patch_agg_tostring_rgb  # noqa: E402

__all__ += ['patch_agg_tostring_rgb']
from .genotype_plot import draw_branches, module_branches  # noqa: E402

__all__ += ['draw_branches', 'module_branches']

from .genotype_plot import draw_fabric_cell  # noqa: E402

__all__ += ['draw_fabric_cell']
