"""Part grouping: partitions of the body joints for part-aware models."""
from .grouping import (affinity_from_mutual_information,  # noqa: F401
                       even_split_groups, load_groups, mutual_information,
                       mutual_information_groups, mutual_information_matrix,
                       reorder_groups, resolve_groups, spectral_groups,
                       validate_groups, voxelize, write_json_atomic)
from .genotype_groups import genotype_part_groups  # noqa: F401

__all__ = [
    'affinity_from_mutual_information', 'even_split_groups', 'load_groups',
    'mutual_information', 'mutual_information_groups',
    'mutual_information_matrix', 'reorder_groups', 'resolve_groups',
    'spectral_groups', 'validate_groups', 'voxelize', 'write_json_atomic',
    'genotype_part_groups'
]
