"""Part groups stored in a genotype, checked against the network."""
from typing import TYPE_CHECKING, List, Optional

from .grouping import validate_groups

if TYPE_CHECKING:  # the search core imports this package: no cycle at run time
    from mmposenas.models.search.genotype import Genotype


def genotype_part_groups(genotype: 'Genotype', num_keypoints: int,
                         cell_type: str = 'fusion'
                         ) -> Optional[List[List[int]]]:
    """The part groups of a genotype, checked for consistency.

    ``extras.part_groups`` must cover every joint exactly once; when the
    ``cell_type`` cell stores ``extras.node_groups`` (the group of each of its
    nodes) they must equal ``part_groups``; the cell must have one
    intermediate node per group, all concatenated.

    Args:
        genotype (Genotype): A loaded genotype (its ``source`` is named in
            errors).
        num_keypoints (int): K joints of the network.
        cell_type (str): The cell whose nodes carry the groups.

    Returns:
        list[list[int]] | None: The groups, or ``None`` when the genotype
        stores none.

    Raises:
        GenotypeError: Naming the file, the field path, found and expected.
    """
    stored = genotype.extras.get('part_groups')
    if stored is None:
        return None
    try:
        groups = validate_groups(stored, num_keypoints)
    except ValueError as err:
        raise genotype.error(
            'extras.part_groups', stored,
            f'a partition of the {num_keypoints} joints 0..'
            f'{num_keypoints - 1} ({err})') from err
    if cell_type in genotype.cells:
        cell = genotype.check_cell(
            cell_type, num_nodes=len(groups), concat_all=True,
            purpose=f'one per part group of extras.part_groups')
        node_groups = cell.extras.get('node_groups')
        if node_groups is not None and [list(g) for g in node_groups] != \
                groups:
            raise genotype.error(
                f'cells.{cell_type}.extras.node_groups', node_groups,
                f'the same groups in the same order as extras.part_groups '
                f'{groups}')
    return groups
