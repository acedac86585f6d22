"""The DARTS cell, searchable (mixed ops) or fixed (from a genotype).

One class covers the cell types of all methods through arguments:

* normal: ``stride=1``;
* reduction: ``stride=2`` on the edges leaving the input nodes;
* fusion / upsampling: ``input_resample=(2, 2)`` upsamples the inputs ×2 in
  their preprocessing, and ``node_channels`` gives each intermediate node its
  own output channel count through a 1×1 convolution (e.g. the volumetric
  heatmaps of one group of body parts).

Each input is first preprocessed to ``channels`` channels at the node
resolution (``input_resample`` per input: 1 = same, 0.5 = factorized reduce,
2 or 4 = 1×1 conv then bilinear upsampling; 0.25 / 0.125 chain two / three
factorized reductions and 8 upsamples ×8, for cross-scale aggregation).
An input may be absent (``None``) in a forward pass: its preprocessing and its
edges are skipped (inactive branches of multi-branch networks).
"""
from typing import List, Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from .genotype import CellGenotype, num_cell_edges
from .mixed import MixedOp
from .ops import FactorizedReduce, ReLUConvBN, build_op


#: Resample factors a cell input may have.
RESAMPLE_FACTORS = (0.125, 0.25, 0.5, 1, 2, 4, 8)


class Resample(nn.Module):
    """Preprocess a cell input to ``out_channels`` at ``factor`` × resolution.

    Args:
        in_channels (int): C_in.
        out_channels (int): C_out.
        factor (float): 0.5 (factorized reduce), 0.25 / 0.125 (two / three
            chained factorized reductions), 1, 2, 4 or 8 (1×1 conv, then
            bilinear upsampling).
        affine (bool): BatchNorm affine parameters.
    """

    def __init__(self, in_channels: int, out_channels: int, factor: float,
                 affine: bool = True) -> None:
        super().__init__()
        if factor not in RESAMPLE_FACTORS:
            raise ValueError(f'cell input resample factor must be one of '
                             f'{RESAMPLE_FACTORS}; got {factor}')
        self.factor = factor
        if factor == 0.5:
            self.op = FactorizedReduce(in_channels, out_channels, affine)
        elif factor < 0.5:
            steps = {0.25: 2, 0.125: 3}[factor]
            self.op = nn.Sequential(*[
                FactorizedReduce(in_channels if k == 0 else out_channels,
                                 out_channels, affine) for k in range(steps)
            ])
        else:
            self.op = ReLUConvBN(in_channels, out_channels, 1, 1, 0,
                                 affine=affine)

    def forward(self, x: Tensor, size: Optional[Sequence[int]] = None
                ) -> Tensor:
        """(B, C_in, H, W) -> (B, C_out, H', W').

        Downsampling gives ``ceil`` sizes (H' = ceil(H * factor)); upsampling
        gives ``size`` when given (odd sizes upsampled from a ceil-reduced
        map, e.g. 2 -> 3), else H * factor. ``size`` is ignored by factors
        <= 1.
        """
        x = self.op(x)
        if self.factor > 1:
            if size is not None:
                x = F.interpolate(x, size=tuple(size), mode='bilinear',
                                  align_corners=False)
            else:
                x = F.interpolate(x, scale_factor=self.factor,
                                  mode='bilinear', align_corners=False)
        return x


class SearchCell(nn.Module):
    """A DARTS cell with intermediate nodes fed by edges from earlier nodes.

    Build it searchable with ``op_names`` (every edge is a :class:`MixedOp`
    and :meth:`forward` takes the mixing weights) or fixed with ``genotype``
    (only the kept edges, with their chosen ops, exist).

    Args:
        in_channels (Sequence[int]): Channels of each input node's source.
        channels (int): Channels C of every node inside the cell.
        op_names (Sequence[str], optional): Candidate ops (searchable cell).
        genotype (CellGenotype, optional): Derived ops (fixed cell).
        num_nodes (int): Intermediate nodes of a searchable cell (a fixed cell
            takes the number from its genotype).
        stride (int): Stride of the edges leaving the input nodes.
        input_resample (Sequence[float], optional): Resample factor per input
            (default 1 each).
        node_channels (Sequence[int], optional): Output channels of each
            concatenated node after its own 1×1 conv; without it the output is
            the plain concatenation (C × len(concat) channels).
        affine (bool): BatchNorm affine parameters inside ops (DARTS search
            uses ``False``).
    """

    def __init__(self, in_channels: Sequence[int], channels: int,
                 op_names: Optional[Sequence[str]] = None,
                 genotype: Optional[CellGenotype] = None, num_nodes: int = 4,
                 stride: int = 1,
                 input_resample: Optional[Sequence[float]] = None,
                 node_channels: Optional[Sequence[int]] = None,
                 affine: bool = True) -> None:
        super().__init__()
        if (op_names is None) == (genotype is None):
            raise ValueError('SearchCell needs exactly one of op_names '
                             '(searchable) or genotype (fixed)')
        num_inputs = len(in_channels)
        if genotype is not None:
            if genotype.num_inputs != num_inputs:
                raise ValueError(f'cell genotype has {genotype.num_inputs} '
                                 f'input nodes but the cell receives '
                                 f'{num_inputs} inputs')
            num_nodes = genotype.num_nodes
        resample = list(input_resample or [1] * num_inputs)
        if len(resample) != num_inputs:
            raise ValueError(f'input_resample has {len(resample)} entries for '
                             f'{num_inputs} inputs')
        self.num_inputs = num_inputs
        self.num_nodes = num_nodes
        self.searchable = genotype is None
        self.preprocess = nn.ModuleList([
            Resample(c, channels, f, affine)
            for c, f in zip(in_channels, resample)
        ])

        self.edges = nn.ModuleList()
        # (node, input node) of every edge, in the order of self.edges.
        self.edge_index: List[tuple] = []
        if self.searchable:
            self.op_names = list(op_names)
            self.concat = list(range(num_inputs, num_inputs + num_nodes))
            for i in range(num_nodes):
                for j in range(num_inputs + i):
                    s = stride if j < num_inputs else 1
                    self.edges.append(
                        MixedOp(self.op_names, channels, channels, s, affine))
                    self.edge_index.append((i, j))
        else:
            self.concat = list(genotype.concat)
            for i, node in enumerate(genotype.nodes):
                for op, j in node:
                    s = stride if j < num_inputs else 1
                    self.edges.append(
                        build_op(op, channels, channels, s, affine))
                    self.edge_index.append((i, j))

        if node_channels is not None:
            if len(node_channels) != len(self.concat):
                raise ValueError(
                    f'node_channels has {len(node_channels)} entries for '
                    f'{len(self.concat)} concatenated nodes')
            self.node_projections = nn.ModuleList(
                [nn.Conv2d(channels, c, 1) for c in node_channels])
            self.out_channels = int(sum(node_channels))
        else:
            self.node_projections = None
            self.out_channels = channels * len(self.concat)

    @property
    def num_edges(self) -> int:
        """Edges of the searchable (fully connected) cell."""
        return num_cell_edges(self.num_nodes, self.num_inputs)

    def node_outputs(self, inputs: Sequence[Optional[Tensor]],
                     weights: Optional[Tensor] = None,
                     active: Optional[Sequence[Sequence[bool]]] = None,
                     out_size: Optional[Sequence[int]] = None
                     ) -> List[Optional[Tensor]]:
        """All node states: the preprocessed inputs then intermediate nodes.

        Args:
            inputs (Sequence[Tensor | None]): ``num_inputs`` tensors (B, C_j,
                H_j, W_j) that resample to a common resolution; ``None``
                marks an absent input, whose preprocessing and edges are
                skipped (its state is ``None``).
            weights (Tensor, optional): (E, O) mixing weights; required by a
                searchable cell, ignored by a fixed one.
            active (Sequence[Sequence[bool]], optional): (E, O) host-side
                flags of the ops to run (see
                :meth:`ArchitectureParameters.active_ops`); all ops when
                omitted.
            out_size (Sequence[int], optional): (H', W') the upsampled inputs
                are resized to (needed when a size was rounded up on the way
                down, e.g. 3 -> 2 -> 3).

        Returns:
            list[Tensor | None]: ``num_inputs + num_nodes`` tensors (B, C,
            H', W'); ``None`` for absent inputs.

        Raises:
            ValueError: Wrong number of inputs, or an intermediate node all of
                whose sources are absent.
        """
        if len(inputs) != self.num_inputs:
            raise ValueError(f'cell expects {self.num_inputs} inputs, got '
                             f'{len(inputs)}')
        states: List[Optional[Tensor]] = [
            None if x is None else pre(x, out_size)
            for pre, x in zip(self.preprocess, inputs)
        ]
        if self.searchable and weights is None:
            raise ValueError('a searchable cell needs mixing weights')
        sums: List[Optional[Tensor]] = [None] * self.num_nodes
        k = 0
        for i in range(self.num_nodes):
            while k < len(self.edges) and self.edge_index[k][0] == i:
                j = self.edge_index[k][1]
                edge = self.edges[k]
                if states[j] is None:  # absent input: the edge does not run
                    k += 1
                    continue
                if self.searchable:
                    out = edge(states[j], weights[k],
                               None if active is None else active[k])
                else:
                    out = edge(states[j])
                sums[i] = out if sums[i] is None else sums[i] + out
                k += 1
            if sums[i] is None:
                raise ValueError(f'cell node {i} has no present source: every '
                                 f'input it reads is absent (None)')
            states.append(sums[i])
        return states

    def forward(self, inputs: Sequence[Optional[Tensor]],
                weights: Optional[Tensor] = None,
                active: Optional[Sequence[Sequence[bool]]] = None,
                out_size: Optional[Sequence[int]] = None) -> Tensor:
        """Cell output: the concatenated (optionally projected) nodes.

        Arguments as :meth:`node_outputs`.

        Returns:
            Tensor: (B, out_channels, H', W').
        """
        states = self.node_outputs(inputs, weights, active, out_size)
        outs = [states[c] for c in self.concat]
        if self.node_projections is not None:
            outs = [proj(o) for proj, o in zip(self.node_projections, outs)]
        return torch.cat(outs, dim=1)
