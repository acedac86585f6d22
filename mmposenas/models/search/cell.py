"""The DARTS cell, searchable (mixed ops) or fixed (from a genotype).

One class covers the cell types of all methods through arguments:

* normal: ``stride=1``;
* reduction: ``stride=2`` on the edges leaving the input nodes;
* fusion / upsampling: ``input_resample=(2, 2)`` upsamples the inputs ×2 in
  their preprocessing, and ``node_channels`` gives each intermediate node its
  own width (e.g. the volumetric heatmaps of one group of body parts).

Each input is first preprocessed to ``channels`` channels at the node
resolution (``input_resample`` per input: 1 = same, 0.5 = factorized reduce,
2 or 4 = 1×1 conv then bilinear upsampling; 0.25 / 0.125 chain two / three
factorized reductions and 8 upsamples ×8, for cross-scale aggregation).
Intermediate nodes have ``channels`` channels too unless ``node_channels`` sets
a width per node; an edge between two nodes of different widths then starts
with a 1×1 ReLU-Conv-BN adapter (``adapters['<node>_<source>']``) and its op
runs at the width of the node it feeds. Edges between nodes of equal width
have none. An input may be absent (``None``) in a forward pass: its
preprocessing and its edges are skipped (inactive branches of multi-branch
networks).
"""
from typing import Dict, List, Optional, Sequence

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
        channels (int): Channels C of the preprocessed input nodes (and of
            every intermediate node without ``node_channels``).
        op_names (Sequence[str], optional): Candidate ops (searchable cell).
        genotype (CellGenotype, optional): Derived ops (fixed cell).
        num_nodes (int): Intermediate nodes of a searchable cell (a fixed cell
            takes the number from its genotype).
        stride (int): Stride of the edges leaving the input nodes.
        input_resample (Sequence[float], optional): Resample factor per input
            (default 1 each).
        node_channels (Sequence[int], optional): Width of each intermediate
            node (``num_nodes`` entries). An edge whose source width differs
            from its node's width gets a 1×1 adapter; the output is the
            concatenation of the ``concat`` nodes (sum of their widths).
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

        if node_channels is None:
            node_channels = [channels] * num_nodes
        node_channels = [int(c) for c in node_channels]
        if len(node_channels) != num_nodes or any(c < 1
                                                   for c in node_channels):
            raise ValueError(
                f'node_channels must give a positive width for each of the '
                f'{num_nodes} intermediate nodes, got {node_channels}')
        # width of every state: the input nodes, then the intermediate nodes
        self.state_channels = [channels] * num_inputs + node_channels

        self.edges = nn.ModuleList()
        # (node, input node) of every edge, in the order of self.edges.
        self.edge_index: List[tuple] = []
        # op name of every edge of a fixed cell (None: searchable cell).
        self.edge_ops: Optional[List[str]] = None if genotype is None else []
        # 1x1 width adapters, keyed '<node>_<source state>' (the same key in a
        # supernet and in a fixed cell derived from it).
        self.adapters = nn.ModuleDict()
        if self.searchable:
            self.op_names = list(op_names)
            self.concat = list(range(num_inputs, num_inputs + num_nodes))
            edges = [(i, j, None) for i in range(num_nodes)
                     for j in range(num_inputs + i)]
        else:
            self.concat = list(genotype.concat)
            edges = [(i, j, op) for i, node in enumerate(genotype.nodes)
                     for op, j in node]
        for i, j, op in edges:
            s = stride if j < num_inputs else 1
            width = node_channels[i]
            key = self.adapter_key(i, j)
            if self.state_channels[j] != width and key not in self.adapters:
                self.adapters[key] = ReLUConvBN(
                    self.state_channels[j], width, 1, 1, 0, affine=affine)
            self.edges.append(
                MixedOp(self.op_names, width, width, s, affine,
                        partial_channels)
                if op is None else build_op(op, width, width, s, affine))
            self.edge_index.append((i, j))
            if op is not None:
                self.edge_ops.append(op)
        self.out_channels = int(
            sum(self.state_channels[c] for c in self.concat))

    @staticmethod
    def adapter_key(node: int, source: int) -> str:
        """Key in :attr:`adapters` of the edge into ``node`` from state
        ``source`` (``node`` counts intermediate nodes from 0, ``source`` all
        states, inputs first)."""
        return f'{node}_{source}'

    @property
    def num_edges(self) -> int:
        """Edges of the searchable (fully connected) cell."""
        return num_cell_edges(self.num_nodes, self.num_inputs)

    def fixed_key_map(self, fixed: 'SearchCell',
                      inputs: Optional[Sequence[int]] = None
                      ) -> Dict[str, str]:
        """Where each weight of a fixed cell lives in this searchable cell.

        The fixed cell must be built from a genotype derived from this cell
        (same inputs, channels and node count). Its edge ``k`` for node ``i``
        from input ``j`` with op ``o`` takes the weights of op ``o`` inside
        this cell's mixed op on edge ``(i, j)``; the input preprocessing and
        the node projections map one to one.

        Args:
            fixed (SearchCell): The fixed cell.
            inputs (Sequence[int], optional): For a fixed cell built from a
                genotype restricted to some inputs
                (:meth:`CellGenotype.select_inputs`): the input of this cell
                that each fixed-cell input is (ascending). Default: the same
                inputs.

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
        if inputs is not None:
            return self._restricted_key_map(fixed, inputs)
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
                mapping[name] = name  # preprocess.*, adapters.*
        return mapping

    def _restricted_key_map(self, fixed: 'SearchCell',
                            inputs: Sequence[int]) -> Dict[str, str]:
        """:meth:`fixed_key_map` of a fixed cell reading ``inputs`` only."""
        inputs = [int(j) for j in inputs]
        if (len(inputs) != fixed.num_inputs or sorted(set(inputs)) != inputs
                or not inputs or inputs[0] < 0
                or inputs[-1] >= self.num_inputs):
            raise ValueError(f'inputs must name the {fixed.num_inputs} '
                             f'inputs of the fixed cell among the '
                             f'{self.num_inputs} of the searchable cell '
                             f'(ascending), got {inputs}')
        shift = self.num_inputs - fixed.num_inputs

        def state(j: int) -> int:
            return inputs[j] if j < fixed.num_inputs else j + shift

        mixed_index = {pair: k for k, pair in enumerate(self.edge_index)}
        mapping: Dict[str, str] = {}
        for k, ((i, j), op) in enumerate(zip(fixed.edge_index,
                                             fixed.edge_ops)):
            pair = (i, state(j))
            if pair not in mixed_index or op not in self.op_names:
                raise ValueError(f'fixed cell edge {k} (node {i} <- state '
                                 f'{pair[1]}, op {op!r}) does not exist in '
                                 f'the searchable cell')
            src = f'edges.{mixed_index[pair]}.ops.{op}.'
            for name in fixed.edges[k].state_dict():
                mapping[f'edges.{k}.{name}'] = src + name
        for name in fixed.state_dict():
            head, _, rest = name.partition('.')
            if head == 'edges':
                continue
            if head == 'preprocess':
                j, _, rest = rest.partition('.')
                mapping[name] = f'preprocess.{inputs[int(j)]}.{rest}'
            elif head == 'adapters':
                key, _, rest = rest.partition('.')
                i, j = (int(v) for v in key.split('_'))
                mapping[name] = (f'adapters.{self.adapter_key(i, state(j))}'
                                 f'.{rest}')
            else:
                mapping[name] = name
        return mapping

    @property
    def edge_groups(self) -> List[int]:
        """Incoming edges of each node of the searchable cell."""
        return [self.num_inputs + i for i in range(self.num_nodes)]

    def node_outputs(self, inputs: Sequence[Optional[Tensor]],
                     weights: Optional[Tensor] = None,
                     active: Optional[Sequence[Sequence[bool]]] = None,
                     edge_weights: Optional[Tensor] = None,
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
            edge_weights (Tensor, optional): (E,) PC-DARTS edge
                normalisation weights (a softmax over each node's incoming
                edges) multiplying the edge outputs.
            out_size (Sequence[int], optional): (H', W') the upsampled inputs
                are resized to (needed when a size was rounded up on the way
                down, e.g. 3 -> 2 -> 3).

        Returns:
            list[Tensor | None]: ``num_inputs + num_nodes`` tensors (B, C_s,
            H', W') with ``C_s = state_channels[s]``; ``None`` for absent
            inputs.

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
        relus: Dict[int, Tensor] = {}  # relu(state j), shared by its edges
        k = 0
        for i in range(self.num_nodes):
            while k < len(self.edges) and self.edge_index[k][0] == i:
                j = self.edge_index[k][1]
                edge = self.edges[k]
                if states[j] is None:  # absent input: the edge does not run
                    k += 1
                    continue
                x = states[j]
                key = self.adapter_key(i, j)
                if key in self.adapters:
                    x = self.adapters[key](x)
                if self.searchable:
                    edge_active = None if active is None else active[k]
                    x_relu = None
                    if key not in self.adapters and \
                            edge.needs_relu(edge_active):
                        if j not in relus:
                            relus[j] = F.relu(x)
                        x_relu = relus[j]
                    out = edge(x, weights[k], edge_active, x_relu)
                    if edge_weights is not None:
                        out = edge_weights[k] * out
                else:
                    out = edge(x)
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
                edge_weights: Optional[Tensor] = None,
                out_size: Optional[Sequence[int]] = None) -> Tensor:
        """Cell output: the concatenated ``concat`` nodes.

        Arguments as :meth:`node_outputs`.

        Returns:
            Tensor: (B, out_channels, H', W').
        """
        states = self.node_outputs(inputs, weights, active, edge_weights,
                                   out_size)
        return torch.cat([states[c] for c in self.concat], dim=1)
