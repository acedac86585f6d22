"""Part grouping: partitions of the body joints for part-aware models."""
from .grouping import (MI_ESTIMATORS,  # noqa: F401
                       affinity_from_mutual_information, even_split_groups,
                       ksg_mutual_information, ksg_mutual_information_matrix,
                       load_groups, mutual_information,
                       mutual_information_groups, mutual_information_matrix,
                       reorder_groups, resolve_groups, spectral_groups,
                       top_pair_share, validate_groups, voxelize,
                       write_json_atomic)
from .genotype_groups import genotype_part_groups  # noqa: F401

__all__ = [
    'MI_ESTIMATORS', 'affinity_from_mutual_information', 'even_split_groups',
    'ksg_mutual_information', 'ksg_mutual_information_matrix', 'load_groups',
    'mutual_information', 'mutual_information_groups',
    'mutual_information_matrix', 'reorder_groups', 'resolve_groups',
    'spectral_groups', 'top_pair_share', 'validate_groups', 'voxelize',
    'write_json_atomic', 'genotype_part_groups'
]

from .body_part_tables import (PART_TABLES, BodyParts,  # noqa: E402,F401
                               dataset_keypoint_names, resolve_body_parts)

__all__ += [
    'PART_TABLES', 'BodyParts', 'dataset_keypoint_names', 'resolve_body_parts'
]
