"""Part-aware 3D pose network: normal, reduction and fusion DARTS cells.

Layout for ``(N_c, N_r, N_f)`` cells: a 3×3 stem convolution, then the
``N_c − N_f`` encoder cells — ``N_r`` reduction cells at the 1-based
positions of seed Eq. 8 (:func:`reduction_positions`) and normal cells
elsewhere — then ``N_f`` fusion cells. Reduction cells halve the resolution
and double the channels.

Fusion cells upsample ×2 at their input nodes and have one intermediate node
per group of body parts. Each node *is* the maps of its group: it is
``len(group) × joint_channels`` channels wide (``len(group) × depth_bins`` in
the last fusion cell, i.e. the group's volumetric heatmaps), and the cell
output is the plain concatenation of the nodes. Edges between nodes of
different widths start with a 1×1 conv (:class:`SearchCell`
``node_channels``); with equal groups and the default input width there are
none.

The output is one tensor (B, K·D, H, W) with channel ``k·D + d`` for joint
``k`` in dataset order (the group-major node outputs are permuted back), as
:class:`~mmposenas.models.heads.VolumetricIntegralHead` expects.

All cells of one type share α (``'normal'``, ``'reduce'``, ``'fusion'``).
Built with a genotype the network is fixed and has no α; the genotype keeps
the part groups (``extras['part_groups']``) so the node ↔ group assignment
survives derivation.
"""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmpose.registry import MODELS
from torch import Tensor

from mmposenas.parts import (genotype_part_groups, reorder_groups,
                              resolve_groups)
from ..search import (ArchitectureParameters, Genotype, SearchableMixin,
                      SearchCell, derive_cell, resolve_op_names)

#: Readings of seed Eq. 8 (:func:`reduction_positions`).
REDUCTION_RULES = ('darts', 'literal')


def reduction_positions(num_cells: int, num_reductions: int,
                        num_fusions: int, rule: str = 'darts') -> List[int]:
    """1-based positions of the reduction cells (seed Eq. 8).

    With ``E = N_c − N_f`` encoder cells and ``i = 1 .. N_r``:

    * ``'darts'`` (default): ``P_i = floor(E · i / (N_r + 1)) + 1``, the floor
      of the product as in the original DARTS code (reductions at 1/3 and
      2/3 of the depth). It reproduces the paper's sizes: (20, 5, 3) gives
      3, 6, 9, 12, 15, and (10, 6, 4) builds (1 .. 6).
    * ``'literal'``: ``P_i = floor(E / (N_r + 1)) · i + 1``, Eq. 8 as
      printed: (20, 5, 3) gives 3, 5, 7, 9, 11; (10, 6, 4) does not fit.

    Both agree for (10, 5, 3) (2 .. 6) and (15, 5, 3) (3, 5, 7, 9, 11).

    Raises:
        ValueError: If the counts do not fit (``N_r > N_c − N_f``, negative
            counts, two reductions at one position) or ``rule`` is unknown.
    """
    if rule not in REDUCTION_RULES:
        raise ValueError(f'reduction rule must be one of {REDUCTION_RULES}, '
                         f'got {rule!r}')
    if min(num_cells, num_reductions, num_fusions) < 0 or num_cells < 1:
        raise ValueError(f'cell counts must be non-negative (N_c >= 1), got '
                         f'N_c={num_cells}, N_r={num_reductions}, '
                         f'N_f={num_fusions}')
    encoder = num_cells - num_fusions
    if num_reductions > encoder:
        raise ValueError(f'N_r={num_reductions} reduction cells do not fit in '
                         f'N_c - N_f = {encoder} encoder cells')
    steps = num_reductions + 1
    if rule == 'darts':
        positions = [encoder * i // steps + 1
                     for i in range(1, num_reductions + 1)]
    else:
        positions = [encoder // steps * i + 1
                     for i in range(1, num_reductions + 1)]
    if len(set(positions)) != num_reductions or (positions and
                                                 positions[-1] > encoder):
        raise ValueError(f'Eq. 8 ({rule!r} reading) puts the reduction cells '
                         f'of N_c={num_cells}, N_r={num_reductions}, '
                         f'N_f={num_fusions} at {positions}, which does not '
                         f'fit {encoder} encoder cells; use fewer reductions, '
                         f'more cells or the other reading')
    return positions


def cell_layout(num_cells: int, num_reductions: int, num_fusions: int,
                rule: str = 'darts') -> List[str]:
    """Cell types in order: ``'normal'``, ``'reduce'`` then ``'fusion'``."""
    positions = set(
        reduction_positions(num_cells, num_reductions, num_fusions, rule))
    encoder = num_cells - num_fusions
    return ([('reduce' if i + 1 in positions else 'normal')
             for i in range(encoder)] + ['fusion'] * num_fusions)


def joint_major_index(groups: Sequence[Sequence[int]],
                      per_joint: int) -> Tensor:
    """Channel gather index from group-major node outputs to joint order.

    The fusion nodes hold the joints of ``groups[0]``, then ``groups[1]``,
    ... with ``per_joint`` channels each. Entry ``k·P + p`` of the result is
    the node-major channel of channel ``p`` of dataset joint ``k``.

    Returns:
        Tensor: (K·P,) int64.
    """
    order = [j for g in groups for j in g]
    position = {joint: i for i, joint in enumerate(order)}
    return torch.tensor([
        position[k] * per_joint + p for k in range(len(order))
        for p in range(per_joint)
    ], dtype=torch.long)


@MODELS.register_module()
class PartAwareNASBackbone(BaseModule, SearchableMixin):
    """DARTS supernet / fixed net with part-aware fusion cells (seed 000).

    Args:
        num_keypoints (int): K joints (18 with the added thorax).
        depth_bins (int): D, depth bins of each joint's volume.
        groups (int | str | list[list[int]], optional): Part groups: a number
            of groups (even split of the joint order, Strategy I), a grouping
            JSON from ``tools/analysis/group_parts.py``, or explicit lists;
            the group order is the fusion-node order. A fixed network takes
            them from its genotype (``extras['part_groups']``) when ``groups``
            is ``None`` or a number.
        group_order (list[int], optional): Permutation of ``groups`` before
            they are assigned to fusion nodes: node ``i`` estimates
            ``groups[group_order[i]]`` (seed Table 3 ablation). Only with
            explicit ``groups``; a fixed network checks the result against
            its genotype's groups.
        num_cells (int): N_c.
        num_reductions (int): N_r.
        num_fusions (int): N_f (>= 1).
        reduction_rule (str): Reading of Eq. 8, ``'darts'`` (floor of the
            product, default) or ``'literal'`` (see
            :func:`reduction_positions`).
        in_channels (int): Image channels.
        stem_channels (int): Stem conv channels.
        stem_stride (int): Stem conv stride.
        channels (int): Node channels C of the first encoder cells (doubled at
            every reduction).
        num_nodes (int): Intermediate nodes of normal/reduction cells.
        fusion_channels (int, optional): Width of the preprocessed input nodes
            of fusion cells; by default the widest group node of the cell, so
            equal groups (Strategy I with N_g dividing K) need no 1×1 convs
            between nodes.
        joint_channels (int): Channels per joint of non-final fusion cells
            (their nodes are ``len(group) × joint_channels`` wide).
        op_set (str | list[str]): Candidate ops of every cell type.
        genotype (Genotype | dict | str, optional): Build the fixed network.
        intermediate_supervision (bool): Also return, before the final
            output, one (B, K·D, h, w) volume map per non-final fusion cell
            for multi-scale intermediate supervision of deeper networks
            (N_c = 15, 20): each joint's ``joint_channels`` channels of the
            cell output go through a per-joint 1×1 conv to its D depth bins.
            Pair it with ``VolumetricIntegralHead(intermediate_weights=...)``.
        sampling (str): α sampling ('softmax', 'gumbel', 'gumbel_hard').
        tau (float): Initial Gumbel temperature.
        partial_channels (int): PC-DARTS: only 1/K of the channels go
            through each mixed op of the supernet (1: plain DARTS); every
            node width must be divisible by K.
        channels_last (bool): Run in channels-last memory (faster depthwise
            convolutions on CPU; same results up to float rounding).
        init_cfg (dict, optional): MMEngine initialisation config.
    """

    def __init__(self, num_keypoints: int = 18, depth_bins: int = 64,
                 groups: Optional[Union[int, str, Sequence[Sequence[int]]]] = 3,
                 group_order: Optional[Sequence[int]] = None,
                 num_cells: int = 10, num_reductions: int = 5,
                 num_fusions: int = 3, reduction_rule: str = 'darts',
                 in_channels: int = 3, stem_channels: int = 48,
                 stem_stride: int = 1, channels: int = 16, num_nodes: int = 4,
                 fusion_channels: Optional[int] = None,
                 joint_channels: int = 16,
                 op_set: Union[str, Sequence[str]] = 'darts',
                 genotype: Optional[Union[Genotype, Dict, str]] = None,
                 intermediate_supervision: bool = False,
                 sampling: str = 'softmax', tau: float = 1.0,
                 partial_channels: int = 1, channels_last: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.channels_last = channels_last
        if num_fusions < 1:
            raise ValueError('PartAwareNASBackbone needs at least one fusion '
                             'cell (num_fusions >= 1)')
        self.op_names = resolve_op_names(op_set)
        self.layout = cell_layout(num_cells, num_reductions, num_fusions,
                                  reduction_rule)
        fixed = None
        if genotype is not None:
            fixed = Genotype.coerce(genotype, required=sorted(set(
                self.layout)))
            for cell_type in sorted(set(self.layout)):
                fixed.check_cell(cell_type, num_inputs=2)
        self.groups = self._resolve_groups(groups, group_order, fixed,
                                           num_keypoints)
        self.num_keypoints = num_keypoints
        self.depth_bins = depth_bins
        self.joint_channels = joint_channels
        self.num_nodes = num_nodes
        if fixed is not None:
            self._check_fusion_genotype(fixed)
        affine = fixed is not None

        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, stem_channels, 3, stride=stem_stride,
                      padding=1, bias=False), nn.BatchNorm2d(stem_channels))
        self.cells = nn.ModuleList()
        # (channels, stride relative to the stem) of the last two states
        prev = [(stem_channels, 1), (stem_channels, 1)]
        c = channels
        num_fusion_seen = 0
        for cell_type in self.layout:
            (c_pp, r_pp), (c_p, r_p) = prev
            common = dict(op_names=None if fixed else self.op_names,
                          genotype=fixed[cell_type] if fixed else None,
                          affine=affine,
                          partial_channels=1 if fixed else partial_channels)
            if cell_type == 'fusion':
                num_fusion_seen += 1
                last = num_fusion_seen == num_fusions
                per_joint = depth_bins if last else joint_channels
                widths = [len(g) * per_joint for g in self.groups]
                target = r_p / 2  # upsample x2 relative to the last state
                cell = SearchCell(
                    (c_pp, c_p), fusion_channels or max(widths),
                    num_nodes=len(self.groups),
                    input_resample=(r_pp / target, r_p / target),
                    node_channels=widths, **common)
                r_out = target
            else:
                reduction = cell_type == 'reduce'
                if reduction:
                    c *= 2
                cell = SearchCell((c_pp, c_p), c, num_nodes=num_nodes,
                                  stride=2 if reduction else 1,
                                  input_resample=(r_pp / r_p, 1), **common)
                r_out = r_p * 2 if reduction else r_p
            cell.cell_type = cell_type
            self.cells.append(cell)
            prev = [prev[1], (cell.out_channels, r_out)]

        # group-major node outputs -> channel k*D + d in joint order
        self.register_buffer('channel_order',
                             joint_major_index(self.groups, depth_bins),
                             persistent=False)
        self.register_buffer('intermediate_order',
                             joint_major_index(self.groups, joint_channels),
                             persistent=False)
        self.out_channels = num_keypoints * depth_bins
        k = num_keypoints
        self.intermediate_heads = nn.ModuleDict({
            str(i): nn.Conv2d(k * joint_channels, k * depth_bins, 1, groups=k)
            for i, cell in enumerate(self.cells)
            if intermediate_supervision and cell.cell_type == 'fusion'
            and i != len(self.cells) - 1
        })

        if fixed is None:
            shapes = {}
            for cell in self.cells:
                shapes[cell.cell_type] = (cell.num_edges, len(self.op_names))
            self.arch_params = ArchitectureParameters(shapes,
                                                      sampling=sampling,
                                                      tau=tau)
        else:
            self.arch_params = None
            self.genotype = fixed

    @staticmethod
    def _resolve_groups(groups, group_order, genotype: Optional[Genotype],
                        num_keypoints: int) -> List[List[int]]:
        """``groups`` (reordered), or the genotype's; they must agree."""
        stored = None
        if genotype is not None:
            stored = genotype_part_groups(genotype, num_keypoints)
        if stored is not None and (groups is None or isinstance(groups, int)):
            if group_order is not None:
                raise ValueError(
                    'group_order reorders `groups` before a search; a fixed '
                    'network takes its node order from the genotype '
                    '(extras.part_groups)')
            return stored
        if groups is None:
            raise ValueError('PartAwareNASBackbone: `groups` is required (a '
                             'supernet, or a genotype without '
                             'extras.part_groups)')
        given = resolve_groups(groups, num_keypoints)
        if group_order is not None:
            given = reorder_groups(given, group_order)
        if stored is not None and given != stored:
            raise ValueError(
                f'groups {given} differ from the part groups {stored} '
                f'stored in the genotype (extras.part_groups); drop `groups` '
                f'or use the same')
        return given

    def _check_fusion_genotype(self, genotype: Genotype) -> None:
        """The fusion cell must have one node per group, all concatenated."""
        genotype.check_cell('fusion', num_nodes=len(self.groups),
                            concat_all=True, purpose='one per part group')

    def forward(self, x: Tensor) -> Tuple[Tensor]:
        """Images to per-joint volumes.

        Args:
            x (Tensor): (B, 3, H, W).

        Returns:
            tuple[Tensor]: (B, K·D, H', W') volumes, channel ``k·D + d``: the
            intermediate maps (``intermediate_supervision``, coarse to fine)
            then the final output.
        """
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        s0 = s1 = self.stem(x)
        samples = self.sample_arch_weights()
        outs = []
        for i, cell in enumerate(self.cells):
            weights, active = samples.get(cell.cell_type, (None, None))
            s0, s1 = s1, cell((s0, s1), weights, active)
            if str(i) in self.intermediate_heads:
                maps = s1.index_select(1, self.intermediate_order)
                outs.append(self.intermediate_heads[str(i)](maps))
        outs.append(s1.index_select(1, self.channel_order))
        return tuple(outs)

    def derive_genotype(self) -> Genotype:
        """DARTS rule per cell type; part groups kept in the extras."""
        if not self.is_searchable:
            return self.genotype
        cells = {}
        for key in self.arch_params.keys():
            num_nodes = len(self.groups) if key == 'fusion' else \
                self.num_nodes
            cells[key] = derive_cell(self.arch_params.probabilities(key),
                                     self.op_names, num_nodes, top_k=2)
        cells['fusion'].extras['node_groups'] = [list(g) for g in self.groups]
        return Genotype(cells=cells,
                        extras=dict(op_names=self.op_names,
                                    part_groups=[list(g)
                                                 for g in self.groups]))
