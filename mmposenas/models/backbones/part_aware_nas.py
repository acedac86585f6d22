"""Part-aware 3D pose network: normal, reduction and fusion DARTS cells.

Layout for ``(N_c, N_r, N_f)`` cells: a 3×3 stem convolution, then the
``N_c − N_f`` encoder cells — ``N_r`` reduction cells at the 1-based
positions ``P_i = floor((N_c − N_f) / (N_r + 1)) · i + 1`` (seed Eq. 8) and
normal cells elsewhere — then ``N_f`` fusion cells. Reduction cells halve the
resolution and double the channels. Fusion cells upsample ×2 at their input
nodes and have one intermediate node per group of body parts; each node is
projected by a 1×1 convolution to ``len(group) × joint_channels`` channels
(``len(group) × depth_bins`` in the last fusion cell), so the last node of
group g carries exactly the volumetric heatmaps of that group's joints.

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

from mmposenas.parts import genotype_part_groups, resolve_groups
from ..search import (ArchitectureParameters, Genotype, SearchableMixin,
                      SearchCell, derive_cell, num_cell_edges,
                      resolve_op_names)


def reduction_positions(num_cells: int, num_reductions: int,
                        num_fusions: int) -> List[int]:
    """1-based positions of the reduction cells (seed Eq. 8).

    ``P_i = floor((N_c − N_f) / (N_r + 1)) · i + 1`` for ``i = 1 .. N_r``.

    Raises:
        ValueError: If the counts do not fit (``N_r + N_f > N_c``, negative
            counts, or a position beyond the encoder cells).
    """
    if min(num_cells, num_reductions, num_fusions) < 0 or num_cells < 1:
        raise ValueError(f'cell counts must be non-negative (N_c >= 1), got '
                         f'N_c={num_cells}, N_r={num_reductions}, '
                         f'N_f={num_fusions}')
    encoder = num_cells - num_fusions
    if num_reductions > encoder:
        raise ValueError(f'N_r={num_reductions} reduction cells do not fit in '
                         f'N_c - N_f = {encoder} encoder cells')
    step = encoder // (num_reductions + 1)
    positions = [step * i + 1 for i in range(1, num_reductions + 1)]
    if len(set(positions)) != num_reductions or (positions and
                                                 positions[-1] > encoder):
        raise ValueError(f'Eq. 8 puts reduction cells at {positions}, which '
                         f'does not fit {encoder} encoder cells; use fewer '
                         f'reductions or more cells')
    return positions


def cell_layout(num_cells: int, num_reductions: int,
                num_fusions: int) -> List[str]:
    """Cell types in order: ``'normal'``, ``'reduce'`` then ``'fusion'``."""
    positions = set(reduction_positions(num_cells, num_reductions,
                                        num_fusions))
    encoder = num_cells - num_fusions
    return ([('reduce' if i + 1 in positions else 'normal')
             for i in range(encoder)] + ['fusion'] * num_fusions)


@MODELS.register_module()
class PartAwareNASBackbone(BaseModule, SearchableMixin):
    """DARTS supernet / fixed net with part-aware fusion cells (seed 000).

    Args:
        num_keypoints (int): K joints (18 with the added thorax).
        depth_bins (int): D, depth bins of each joint's volume.
        groups (int | str | list[list[int]], optional): Part groups: a number
            of groups (even split of the joint order, Strategy I), a grouping
            JSON from ``tools/analysis/group_parts.py``, or explicit lists;
            the group order is the fusion-node order. A fixed network may take
            them from its genotype (``extras['part_groups']``).
        num_cells (int): N_c.
        num_reductions (int): N_r.
        num_fusions (int): N_f (>= 1).
        in_channels (int): Image channels.
        stem_channels (int): Stem conv channels.
        stem_stride (int): Stem conv stride.
        channels (int): Node channels C of the first encoder cells (doubled at
            every reduction).
        num_nodes (int): Intermediate nodes of normal/reduction cells.
        fusion_channels (int): Node channels inside fusion cells.
        joint_channels (int): Channels per joint of non-final fusion outputs.
        op_set (str | list[str]): Candidate ops of every cell type.
        genotype (Genotype | dict | str, optional): Build the fixed network.
        intermediate_supervision (bool): Also return, before the final
            output, one (B, K·D, h, w) volume map per non-final fusion cell
            (a 1×1 conv of its output) for multi-scale intermediate
            supervision of deeper networks (N_c = 15, 20); pair it with
            ``VolumetricIntegralHead(intermediate_weights=...)``.
        sampling (str): α sampling ('softmax', 'gumbel', 'gumbel_hard').
        tau (float): Initial Gumbel temperature.
        init_cfg (dict, optional): MMEngine initialisation config.
    """

    def __init__(self, num_keypoints: int = 18, depth_bins: int = 64,
                 groups: Optional[Union[int, str, Sequence[Sequence[int]]]] = 3,
                 num_cells: int = 10, num_reductions: int = 5,
                 num_fusions: int = 3, in_channels: int = 3,
                 stem_channels: int = 48, stem_stride: int = 1,
                 channels: int = 16, num_nodes: int = 4,
                 fusion_channels: int = 64, joint_channels: int = 16,
                 op_set: Union[str, Sequence[str]] = 'darts',
                 genotype: Optional[Union[Genotype, Dict, str]] = None,
                 intermediate_supervision: bool = False,
                 sampling: str = 'softmax', tau: float = 1.0,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if num_fusions < 1:
            raise ValueError('PartAwareNASBackbone needs at least one fusion '
                             'cell (num_fusions >= 1)')
        self.op_names = resolve_op_names(op_set)
        self.layout = cell_layout(num_cells, num_reductions, num_fusions)
        fixed = None
        if genotype is not None:
            fixed = Genotype.coerce(genotype, required=sorted(set(
                self.layout)))
            for cell_type in sorted(set(self.layout)):
                fixed.check_cell(cell_type, num_inputs=2)
            groups = self._groups_from_genotype(fixed, groups, num_keypoints)
        if groups is None:
            raise ValueError('PartAwareNASBackbone: `groups` is required for '
                             'a supernet')
        self.groups = resolve_groups(groups, num_keypoints)
        self.num_keypoints = num_keypoints
        self.depth_bins = depth_bins
        self.num_nodes = num_nodes
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
                          affine=affine)
            if cell_type == 'fusion':
                num_fusion_seen += 1
                last = num_fusion_seen == num_fusions
                per_joint = depth_bins if last else joint_channels
                target = r_p / 2  # upsample x2 relative to the last state
                cell = SearchCell(
                    (c_pp, c_p), fusion_channels,
                    num_nodes=len(self.groups),
                    input_resample=(r_pp / target, r_p / target),
                    node_channels=[len(g) * per_joint for g in self.groups],
                    **common)
                if cell.num_nodes != len(self.groups):
                    raise ValueError(
                        f'fusion genotype has {cell.num_nodes} nodes but '
                        f'there are {len(self.groups)} part groups')
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
        order = [j for g in self.groups for j in g]
        position = {joint: i for i, joint in enumerate(order)}
        perm = [position[k] * depth_bins + d for k in range(num_keypoints)
                for d in range(depth_bins)]
        self.register_buffer('channel_order', torch.tensor(perm),
                             persistent=False)
        self.out_channels = num_keypoints * depth_bins
        self.intermediate_heads = nn.ModuleDict({
            str(i): nn.Conv2d(cell.out_channels, self.out_channels, 1)
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
    def _groups_from_genotype(genotype: Genotype, groups,
                              num_keypoints: int):
        """The genotype's part groups; they must agree with ``groups``."""
        stored = genotype_part_groups(genotype, num_keypoints)
        if stored is None:
            return groups
        if groups is not None and not isinstance(groups, int):
            given = resolve_groups(groups, num_keypoints)
            if given != stored:
                raise ValueError(
                    f'groups {given} differ from the part groups {stored} '
                    f'stored in the genotype; drop `groups` or use the same')
        return stored

    def forward(self, x: Tensor) -> Tuple[Tensor]:
        """Images to per-joint volumes.

        Args:
            x (Tensor): (B, 3, H, W).

        Returns:
            tuple[Tensor]: (B, K·D, H', W') volumes, channel ``k·D + d``: the
            intermediate maps (``intermediate_supervision``, coarse to fine)
            then the final output.
        """
        s0 = s1 = self.stem(x)
        samples = self.sample_arch_weights()
        outs = []
        for i, cell in enumerate(self.cells):
            weights, active = samples.get(cell.cell_type, (None, None))
            s0, s1 = s1, cell((s0, s1), weights, active)
            if str(i) in self.intermediate_heads:
                outs.append(self.intermediate_heads[str(i)](s1))
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
