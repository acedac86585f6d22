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
2 or 4 = 1×1 conv then bilinear upsampling).
"""
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from .genotype import CellGenotype, num_cell_edges
from .mixed import MixedOp
from .ops import FactorizedReduce, ReLUConvBN, build_op


class Resample(nn.Module):
    """Preprocess a cell input to ``out_channels`` at ``factor`` × resolution.

    Args:
        in_channels (int): C_in.
        out_channels (int): C_out.
        factor (float): 0.5 (factorized reduce), 1, 2 or 4 (upsample).
        affine (bool): BatchNorm affine parameters.
    """

    def __init__(self, in_channels: int, out_channels: int, factor: float,
                 affine: bool = True) -> None:
        super().__init__()
        if factor not in (0.5, 1, 2, 4):
            raise ValueError(f'cell input resample factor must be one of '
                             f'0.5, 1, 2, 4; got {factor}')
        self.factor = factor
        self.op = (FactorizedReduce(in_channels, out_channels, affine)
                   if factor == 0.5 else ReLUConvBN(
                       in_channels, out_channels, 1, 1, 0, affine=affine))

    def forward(self, x: Tensor) -> Tensor:
        """(B, C_in, H, W) -> (B, C_out, H * factor, W * factor)."""
        x = self.op(x)
        if self.factor > 1:
            x = F.interpolate(x, scale_factor=self.factor, mode='bilinear',
                              align_corners=False)
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
        partial_channels (int): PC-DARTS K of the searchable edges (1: all
            channels go through the mixed op).
    """

    def __init__(self, in_channels: Sequence[int], channels: int,
                 op_names: Optional[Sequence[str]] = None,
                 genotype: Optional[CellGenotype] = None, num_nodes: int = 4,
                 stride: int = 1,
                 input_resample: Optional[Sequence[float]] = None,
                 node_channels: Optional[Sequence[int]] = None,
                 affine: bool = True, partial_channels: int = 1) -> None:
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
        # op name of every edge of a fixed cell (None: searchable cell).
        self.edge_ops: Optional[List[str]] = None if genotype is None else []
        if self.searchable:
            self.op_names = list(op_names)
            self.concat = list(range(num_inputs, num_inputs + num_nodes))
            for i in range(num_nodes):
                for j in range(num_inputs + i):
                    s = stride if j < num_inputs else 1
                    self.edges.append(
                        MixedOp(self.op_names, channels, channels, s, affine,
                                partial_channels))
                    self.edge_index.append((i, j))
        else:
            self.concat = list(genotype.concat)
            for i, node in enumerate(genotype.nodes):
                for op, j in node:
                    s = stride if j < num_inputs else 1
                    self.edges.append(
                        build_op(op, channels, channels, s, affine))
                    self.edge_index.append((i, j))
                    self.edge_ops.append(op)

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

    def fixed_key_map(self, fixed: 'SearchCell') -> Dict[str, str]:
        """Where each weight of a fixed cell lives in this searchable cell.

        The fixed cell must be built from a genotype derived from this cell
        (same inputs, channels and node count). Its edge ``k`` for node ``i``
        from input ``j`` with op ``o`` takes the weights of op ``o`` inside
        this cell's mixed op on edge ``(i, j)``; the input preprocessing and
        the node projections map one to one.

        Args:
            fixed (SearchCell): The fixed cell.

        Returns:
            dict[str, str]: Fixed-cell state-dict key -> key in this cell's
            state dict (both relative to the cells). A target may be absent
            from this cell's state dict: the affine BatchNorm parameters of a
            fixed cell when the supernet was built with ``affine=False``.

        Raises:
            ValueError: If this cell is fixed, ``fixed`` is searchable, or
                they do not correspond (input count, an edge or op the
                supernet lacks).
        """
        if not self.searchable or fixed.searchable:
            raise ValueError('fixed_key_map maps a fixed cell onto a '
                             'searchable one')
        if fixed.num_inputs != self.num_inputs:
            raise ValueError(f'fixed cell has {fixed.num_inputs} inputs, the '
                             f'searchable cell {self.num_inputs}')
        if fixed.num_nodes > self.num_nodes:
            raise ValueError(f'fixed cell has {fixed.num_nodes} nodes, the '
                             f'searchable cell only {self.num_nodes}')
        mixed_index = {pair: k for k, pair in enumerate(self.edge_index)}
        mapping: Dict[str, str] = {}
        for k, ((i, j), op) in enumerate(zip(fixed.edge_index,
                                             fixed.edge_ops)):
            if (i, j) not in mixed_index:
                raise ValueError(f'fixed cell edge {k} (node {i} <- input '
                                 f'{j}) does not exist in the searchable '
                                 f'cell')
            if op not in self.op_names:
                raise ValueError(f'fixed cell edge {k} uses op {op!r}, not '
                                 f'in the supernet op list {self.op_names}')
            src = f'edges.{mixed_index[(i, j)]}.ops.{op}.'
            for name in fixed.edges[k].state_dict():
                mapping[f'edges.{k}.{name}'] = src + name
        for name in fixed.state_dict():
            if not name.startswith('edges.'):
                mapping[name] = name  # preprocess.*, node_projections.*
        return mapping

    @property
    def edge_groups(self) -> List[int]:
        """Incoming edges of each node of the searchable cell."""
        return [self.num_inputs + i for i in range(self.num_nodes)]

    def node_outputs(self, inputs: Sequence[Tensor],
                     weights: Optional[Tensor] = None,
                     active: Optional[Sequence[Sequence[bool]]] = None,
                     edge_weights: Optional[Tensor] = None
                     ) -> List[Tensor]:
        """All node states: the preprocessed inputs then intermediate nodes.

        Args:
            inputs (Sequence[Tensor]): ``num_inputs`` tensors (B, C_j, H_j,
                W_j) that resample to a common resolution.
            weights (Tensor, optional): (E, O) mixing weights; required by a
                searchable cell, ignored by a fixed one.
            active (Sequence[Sequence[bool]], optional): (E, O) host-side
                flags of the ops to run (see
                :meth:`ArchitectureParameters.active_ops`); all ops when
                omitted.
            edge_weights (Tensor, optional): (E,) PC-DARTS edge
                normalisation weights (a softmax over each node's incoming
                edges) multiplying the edge outputs.

        Returns:
            list[Tensor]: ``num_inputs + num_nodes`` tensors (B, C, H', W').
        """
        if len(inputs) != self.num_inputs:
            raise ValueError(f'cell expects {self.num_inputs} inputs, got '
                             f'{len(inputs)}')
        states = [pre(x) for pre, x in zip(self.preprocess, inputs)]
        if self.searchable and weights is None:
            raise ValueError('a searchable cell needs mixing weights')
        sums: List[Optional[Tensor]] = [None] * self.num_nodes
        k = 0
        for i in range(self.num_nodes):
            while k < len(self.edges) and self.edge_index[k][0] == i:
                j = self.edge_index[k][1]
                edge = self.edges[k]
                if self.searchable:
                    out = edge(states[j], weights[k],
                               None if active is None else active[k])
                    if edge_weights is not None:
                        out = edge_weights[k] * out
                else:
                    out = edge(states[j])
                sums[i] = out if sums[i] is None else sums[i] + out
                k += 1
            states.append(sums[i])
        return states

    def forward(self, inputs: Sequence[Tensor],
                weights: Optional[Tensor] = None,
                active: Optional[Sequence[Sequence[bool]]] = None,
                edge_weights: Optional[Tensor] = None) -> Tensor:
        """Cell output: the concatenated (optionally projected) nodes.

        Arguments as :meth:`node_outputs`.

        Returns:
            Tensor: (B, out_channels, H', W').
        """
        states = self.node_outputs(inputs, weights, active, edge_weights)
        outs = [states[c] for c in self.concat]
        if self.node_projections is not None:
            outs = [proj(o) for proj, o in zip(self.node_projections, outs)]
        return torch.cat(outs, dim=1)
