"""A plain stack of DARTS cells as a 2D pose backbone, searchable or fixed.

Layout: a 3×3 stem convolution, then ``num_cells`` cells; the cells at
``reduction_cells`` halve the resolution and double the channels. All normal
cells share one α and all reduction cells another (DARTS). Built with
``genotype=None`` it is a supernet; built with a genotype (dict, object or
``.json``/``.yaml`` path) it is the fixed network, without α.
"""
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmpose.registry import MODELS
from torch import Tensor

from ..search import (ArchitectureParameters, Genotype, SearchableMixin,
                      SearchCell, derive_cell, num_cell_edges,
                      resolve_op_names)


@MODELS.register_module()
class DartsCellBackbone(BaseModule, SearchableMixin):
    """Stem + DARTS cells with reductions; returns the selected cell outputs.

    Args:
        in_channels (int): Image channels.
        stem_channels (int): Channels of the stem conv.
        stem_stride (int): Stride of the stem conv (1 or 2).
        channels (int): Node channels C of the first cells (doubled at every
            reduction cell).
        num_cells (int): Number of cells.
        reduction_cells (Sequence[int]): Indices of the reduction cells.
        num_nodes (int): Intermediate nodes per searchable cell.
        op_set (str | Sequence[str]): Candidate op set (name or op names).
        genotype (Genotype | dict | str, optional): Build the fixed network
            from this genotype; ``None`` builds the supernet.
        sampling (str): α sampling of the supernet ('softmax', 'gumbel',
            'gumbel_hard').
        tau (float): Initial Gumbel temperature.
        out_indices (Sequence[int]): Cells whose outputs are returned.
        partial_channels (int): PC-DARTS: only 1/K of the channels go
            through each mixed op of the supernet (1: plain DARTS).
        edge_normalization (bool): PC-DARTS edge normalisation: learnable
            per-node softmax weights over the incoming edges (in
            ``ArchitectureParameters.edge_alphas``), used in the forward pass
            and in the derivation's edge ranking.
        max_skip (int, optional): Derivation caps the skip connections of
            each cell at this number (P-DARTS); recorded in the cell's
            ``extras['skip_cap']`` when it bites.
        channels_last (bool): Run in channels-last memory (faster depthwise
            convolutions on CPU; same results up to float rounding).
        init_cfg (dict, optional): MMEngine initialisation config.
    """

    def __init__(self, in_channels: int = 3, stem_channels: int = 16,
                 stem_stride: int = 2, channels: int = 8, num_cells: int = 3,
                 reduction_cells: Sequence[int] = (1, ), num_nodes: int = 4,
                 op_set: Union[str, Sequence[str]] = 'darts',
                 genotype: Optional[Union[Genotype, Dict, str]] = None,
                 sampling: str = 'softmax', tau: float = 1.0,
                 out_indices: Sequence[int] = (-1, ),
                 partial_channels: int = 1, edge_normalization: bool = False,
                 max_skip: Optional[int] = None, channels_last: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.channels_last = channels_last
        self.op_names = resolve_op_names(op_set)
        self.num_nodes = num_nodes
        self.max_skip = max_skip
        self.reduction_cells = sorted(set(
            i % num_cells for i in reduction_cells))
        self.out_indices = [i % num_cells for i in out_indices]
        cell_types = ['reduce' if i in self.reduction_cells else 'normal'
                      for i in range(num_cells)]
        used_types = sorted(set(cell_types))
        fixed = None
        if genotype is not None:
            fixed = Genotype.coerce(genotype, required=used_types)
            for cell_type in used_types:
                fixed.check_cell(cell_type, num_inputs=2)
        affine = fixed is not None

        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, stem_channels, 3, stride=stem_stride,
                      padding=1, bias=False), nn.BatchNorm2d(stem_channels))
        self.cells = nn.ModuleList()
        c_pp, c_p, c = stem_channels, stem_channels, channels
        prev_reduction = False
        for cell_type in cell_types:
            reduction = cell_type == 'reduce'
            if reduction:
                c *= 2
            cell = SearchCell(
                (c_pp, c_p), c,
                op_names=None if fixed else self.op_names,
                genotype=fixed[cell_type] if fixed else None,
                num_nodes=num_nodes, stride=2 if reduction else 1,
                input_resample=(0.5 if prev_reduction else 1, 1),
                affine=affine,
                partial_channels=1 if fixed else partial_channels)
            cell.cell_type = cell_type
            self.cells.append(cell)
            c_pp, c_p = c_p, cell.out_channels
            prev_reduction = reduction
        self.out_channels = [self.cells[i].out_channels
                             for i in self.out_indices]

        if fixed is None:
            edges = num_cell_edges(num_nodes)
            groups = self.cells[0].edge_groups
            self.arch_params = ArchitectureParameters(
                {t: (edges, len(self.op_names)) for t in used_types},
                sampling=sampling, tau=tau,
                edge_groups={t: groups for t in used_types}
                if edge_normalization else None)
        else:
            self.arch_params = None
            self.genotype = fixed

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        """Run the cells.

        Args:
            x (Tensor): (B, 3, H, W) images.

        Returns:
            tuple[Tensor]: Outputs of the cells in ``out_indices``, each
            (B, C_i, H / s_i, W / s_i).
        """
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        s0 = s1 = self.stem(x)
        samples = self.sample_arch_weights()
        edge_weights = self.sample_edge_weights()
        outs = []
        for i, cell in enumerate(self.cells):
            weights, active = samples.get(cell.cell_type, (None, None))
            s0, s1 = s1, cell((s0, s1), weights, active,
                              edge_weights.get(cell.cell_type))
            if i in self.out_indices:
                outs.append(s1)
        return tuple(outs)

    def derive_genotype(self) -> Genotype:
        """DARTS derivation: top-2 predecessors, argmax non-zero op."""
        if not self.is_searchable:
            return self.genotype
        cells = {
            key: derive_cell(self.arch_params.probabilities(key),
                             self.op_names, self.num_nodes, top_k=2,
                             max_skip=self.max_skip)
            for key in self.arch_params.keys()
        }
        return Genotype(cells=cells, extras=dict(op_names=self.op_names))
