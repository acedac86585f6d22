"""Cell-based neural fabrics (CNF) of PoseNFS and the part-specific network.

A fabric is a grid of cells over layers ``j = 0 .. L-1`` and scales
``s = 0 .. S-1`` (1/4, 1/8, ... of the image); layer ``j`` holds the cells of
scales ``0 .. n_j - 1`` with ``n_j = min(j + 2, S, L - j)`` (a band that
widens, then narrows to one 1/4 cell at the end). Cell ``(j, s)`` reads the
outputs of its up to three neighbours in layer ``j - 1``:

* ``finer`` (scale ``s - 1``), downsampled by a stride-2 3×3 ReLU-Conv-BN;
* ``same`` (scale ``s``), unchanged;
* ``coarser`` (scale ``s + 1``), 1×1 ReLU-Conv-BN then bilinear upsampling;

mixes them with the softmax of its macro parameters β (PoseNFS Eq. 2; a
missing neighbour is left out of the softmax), applies ReLU and runs a small
DAG of ``H`` hidden nodes whose edges are :class:`MixedOp` over the fabric's
micro parameters α (Eq. 1; one α shared by all cells of a fabric). The
hidden nodes are concatenated and reduced to the cell's channels by a 1×1
convolution. Scale ``s`` has ``C · 2^(s+2)`` channels (C × 1/scale).

:class:`PartFabricBackbone` puts ``P`` fabric subnetworks (the last
``subnet_layers`` layers of an ``L``-layer fabric, fed by the adapted feature
pyramid of any MMPose backbone) side by side, one per body part; it returns
the ``P`` part representations (the final 1/4-scale cell of each fabric).

Built with ``genotype=None`` it is the supernet (α and β in one
:class:`ArchitectureParameters`); built from a genotype it is a fixed
network in which every edge still is a :class:`MixedOp`, over the kept ops
with constant weights, so both a discrete derivation (argmax op, weight 1)
and a pruned continuous network (every op and neighbour of non-zero weight,
the searched weights) use the same code; unreachable cells are not built.
"""
import copy
import json
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmpose.registry import MODELS
from torch import Tensor

from mmposenas.parts.body_part_tables import BodyParts, resolve_body_parts
from ..search import (ArchitectureParameters, CellGenotype, Genotype,
                      GenotypeError, MixedOp, SearchableMixin, derive_cell,
                      num_cell_edges, resolve_op_names)
from ..search.ops import ZERO, ReLUConvBN

#: The three neighbours of a fabric cell, in the column order of β.
NEIGHBOURS = ('finer', 'same', 'coarser')
Position = Tuple[int, int]  # (layer, scale)


# --------------------------------------------------------------- geometry
def cells_per_layer(num_layers: int, num_scales: int) -> List[int]:
    """Cells per layer: ``n_j = min(j + 2, S, L - j)`` (scales 0..n_j-1)."""
    if num_layers < 1 or num_scales < 1:
        raise ValueError(f'fabric needs >= 1 layer and scale, got '
                         f'L={num_layers}, S={num_scales}')
    return [min(j + 2, num_scales, num_layers - j) for j in range(num_layers)]


def fabric_positions(num_layers: int, num_scales: int, first_layer: int,
                     last_layer: Optional[int] = None) -> List[Position]:
    """(layer, scale) of the cells of layers ``first .. last-1``, layer-major.

    This is also the row order of a fabric's β.
    """
    counts = cells_per_layer(num_layers, num_scales)
    last = num_layers if last_layer is None else last_layer
    if not 0 <= first_layer < last <= num_layers:
        raise ValueError(f'fabric layers [{first_layer}, {last}) out of range '
                         f'for L={num_layers}')
    return [(j, s) for j in range(first_layer, last) for s in range(counts[j])]


def neighbour_mask(positions: Sequence[Position],
                   num_inputs: int) -> List[List[bool]]:
    """Which of (finer, same, coarser) exist for each cell.

    Args:
        positions: Cells in β order.
        num_inputs (int): Scales of the input of the first kept layer (the
            adapted backbone pyramid, or 1 for a stem).

    Returns:
        list[list[bool]]: (N_cells, 3).
    """
    first = positions[0][0]
    n_prev = {first - 1: num_inputs}
    for j, s in positions:
        n_prev[j] = max(n_prev.get(j, 0), s + 1)
    return [[0 <= s - 1 < n_prev[j - 1], s < n_prev[j - 1],
             s + 1 < n_prev[j - 1]] for j, s in positions]


# ------------------------------------------------------------ transforms
class UpsampleTransform(nn.Module):
    """1×1 ReLU-Conv-BN, then bilinear resize to the finer scale's size."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.conv = ReLUConvBN(in_channels, out_channels, 1, 1, 0)

    def forward(self, x: Tensor, size: Tuple[int, int]) -> Tensor:
        """(B, C_in, h, w) -> (B, C_out, *size)."""
        return F.interpolate(self.conv(x), size=size, mode='bilinear',
                             align_corners=False)


class DownsampleTransform(nn.Module):
    """Stride-2 3×3 ReLU-Conv-BN (as the official CNF's 3×3 stride-2 conv)."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.conv = ReLUConvBN(in_channels, out_channels, 3, 2, 1)

    def forward(self, x: Tensor, size: Tuple[int, int]) -> Tensor:
        """(B, C_in, h, w) -> (B, C_out, ceil(h/2), ceil(w/2)) == size."""
        return self.conv(x)


# ------------------------------------------------------------------ cell
class FabricCell(nn.Module):
    """One CNF cell: β-mixed neighbours, H hidden nodes, 1×1 reduction.

    Args:
        channels (int): Node channels c of this cell's scale.
        neighbour_channels (dict[str, int]): Output channels of each built
            neighbour (keys of :data:`NEIGHBOURS`).
        edges (dict[tuple[int, int], list[str]]): Ops of every edge
            ``(node i, input j)`` (``j = 0`` is the mixed input node, ``j >
            0`` hidden node ``j - 1``); a searchable cell has every edge with
            the full op list.
        num_hidden (int): Hidden nodes H.
        affine (bool): BatchNorm affine parameters inside the candidate ops.
    """

    def __init__(self, channels: int, neighbour_channels: Dict[str, int],
                 edges: Dict[Tuple[int, int], List[str]], num_hidden: int,
                 affine: bool = False) -> None:
        super().__init__()
        self.num_hidden = num_hidden
        self.inputs = nn.ModuleDict()
        for name in NEIGHBOURS:
            if name not in neighbour_channels:
                continue
            ci = neighbour_channels[name]
            if name == 'finer':
                self.inputs[name] = DownsampleTransform(ci, channels)
            elif name == 'coarser':
                self.inputs[name] = UpsampleTransform(ci, channels)
            else:
                if ci != channels:
                    raise ValueError(f'same-scale neighbour has {ci} '
                                     f'channels, the cell {channels}')
                self.inputs[name] = nn.Identity()
        self.edge_keys = sorted(edges)
        self.edges = nn.ModuleDict({
            f'n{i}_i{j}': MixedOp(edges[(i, j)], channels, channels, 1, affine)
            for i, j in self.edge_keys
        })
        self.project = nn.Conv2d(channels * num_hidden, channels, 1)
        self.channels = channels

    def forward(self, inputs: Dict[str, Tensor], input_weights: Tensor,
                edge_weights: Sequence[Tensor], size: Tuple[int, int],
                edge_active: Optional[Sequence] = None) -> Tensor:
        """Run the cell.

        Args:
            inputs (dict[str, Tensor]): Built neighbours' outputs.
            input_weights (Tensor): (3,) weights of (finer, same, coarser).
            edge_weights (Sequence[Tensor]): Weights of each edge of
                ``edge_keys``, (O_e,) each.
            size (tuple[int, int]): (H, W) of this cell's scale.
            edge_active (Sequence, optional): Host-side op flags per edge.

        Returns:
            Tensor: (B, c, H, W).
        """
        mix = None
        for k, name in enumerate(NEIGHBOURS):
            if name not in self.inputs:
                continue
            x = inputs[name]
            x = x if name == 'same' else self.inputs[name](x, size)
            term = input_weights[k] * x
            mix = term if mix is None else mix + term
        states = [F.relu(mix)]
        sums: List[Optional[Tensor]] = [None] * self.num_hidden
        e = 0
        for i in range(self.num_hidden):
            while e < len(self.edge_keys) and self.edge_keys[e][0] == i:
                j = self.edge_keys[e][1]
                key = f'n{i}_i{j}'
                out = self.edges[key](
                    states[j], edge_weights[e],
                    None if edge_active is None else edge_active[e])
                sums[i] = out if sums[i] is None else sums[i] + out
                e += 1
            states.append(sums[i] if sums[i] is not None else
                          torch.zeros_like(states[0]))
        if self.num_hidden == 1:  # no concatenation copy for one node
            return self.project(states[1])
        return self.project(torch.cat(states[1:], dim=1))


# ---------------------------------------------------------------- fabric
class CellNeuralFabric(nn.Module):
    """The cells of layers ``first .. L-1`` of an L-layer fabric.

    Args:
        channels (Sequence[int]): Node channels per scale (S entries).
        positions (Sequence[Position]): Cells to build (β order), all of the
            kept layers; cells missing from ``alive`` are not built.
        num_inputs (int): Scales of the input of the first kept layer.
        cell_edges (dict[tuple[int, int], list[str]]): Ops of every edge,
            shared by all cells.
        num_hidden (int): Hidden nodes H per cell.
        input_weights (Tensor, optional): (N_cells, 3) constant β weights of
            a fixed fabric (zeros drop a neighbour); None for a supernet.
        edge_weights (list[Tensor], optional): Constant weights per edge of a
            fixed fabric.
        affine (bool): BatchNorm affine parameters in the ops.
    """

    def __init__(self, channels: Sequence[int],
                 positions: Sequence[Position], num_inputs: int,
                 cell_edges: Dict[Tuple[int, int], List[str]],
                 num_hidden: int, input_weights: Optional[Tensor] = None,
                 edge_weights: Optional[List[Tensor]] = None,
                 affine: bool = False) -> None:
        super().__init__()
        self.channels = list(channels)
        self.positions = [tuple(p) for p in positions]
        self.num_inputs = num_inputs
        self.valid = neighbour_mask(self.positions, num_inputs)
        built = [list(v) for v in self.valid]
        if input_weights is not None:
            built = [[v and float(w) != 0.0 for v, w in zip(row, wrow)]
                     for row, wrow in zip(self.valid, input_weights.tolist())]
            # constants of the genotype, not saved with the weights
            self.register_buffer('input_weights', input_weights.float(),
                                 persistent=False)
            for e, w in enumerate(edge_weights):
                self.register_buffer(f'edge_weight_{e}', w.float(),
                                     persistent=False)
            self.num_fixed_edges = len(edge_weights)
        self.built = built
        self.alive = self._reachable(built)
        self.cells = nn.ModuleDict()
        for idx, (j, s) in enumerate(self.positions):
            if (j, s) not in self.alive:
                continue
            neigh = {}
            for k, name in enumerate(NEIGHBOURS):
                if built[idx][k]:
                    neigh[name] = self.channels[s - 1 + k]
            self.cells[f'l{j}_s{s}'] = FabricCell(
                self.channels[s], neigh, cell_edges, num_hidden, affine)

    def _reachable(self, built: List[List[bool]]) -> set:
        """Cells on a path of non-zero weights to the last layer's cells."""
        last = self.positions[-1][0]
        alive = {p for p in self.positions if p[0] == last}
        index = {p: i for i, p in enumerate(self.positions)}
        for j, s in reversed(self.positions):
            if (j, s) in alive or j == last:
                continue
            for k, ds in enumerate((1, 0, -1)):  # consumer sees us as k
                consumer = (j + 1, s + ds)
                if consumer in alive and built[index[consumer]][k]:
                    alive.add((j, s))
                    break
        return alive

    @property
    def fixed(self) -> bool:
        return hasattr(self, 'input_weights')

    def output_positions(self) -> List[Position]:
        """The cells of the last layer (the fabric's outputs), by scale."""
        last = self.positions[-1][0]
        return [p for p in self.positions if p[0] == last]

    def forward(self, feats: Sequence[Tensor],
                input_weights: Optional[Tensor] = None,
                edge_weights: Optional[Sequence[Tensor]] = None,
                edge_active: Optional[Sequence] = None) -> List[Tensor]:
        """Run the fabric.

        Args:
            feats (Sequence[Tensor]): ``num_inputs`` tensors (B, channels[s],
                H_s, W_s), scales 0 .. num_inputs-1.
            input_weights (Tensor, optional): (N_cells, 3) β mixing weights of
                a supernet (ignored by a fixed fabric).
            edge_weights (Sequence[Tensor], optional): (E, O) α mixing weights
                of a supernet.
            edge_active (Sequence, optional): Host-side op flags (Gumbel-hard).

        Returns:
            list[Tensor]: Outputs of the last layer, scale 0 first,
            (B, channels[s], H_s, W_s).
        """
        if len(feats) != self.num_inputs:
            raise ValueError(f'fabric expects {self.num_inputs} input '
                             f'scales, got {len(feats)}')
        if self.fixed:
            input_weights = self.input_weights
            edge_weights = [getattr(self, f'edge_weight_{e}')
                            for e in range(self.num_fixed_edges)]
            edge_active = None
        sizes = [tuple(f.shape[-2:]) for f in feats]
        while len(sizes) < len(self.channels):
            h, w = sizes[-1]
            sizes.append((-(-h // 2), -(-w // 2)))
        prev = {s: f for s, f in enumerate(feats)}
        layer = self.positions[0][0]
        current: Dict[int, Tensor] = {}
        for idx, (j, s) in enumerate(self.positions):
            if j != layer:
                prev, current, layer = current, {}, j
            key = f'l{j}_s{s}'
            if key not in self.cells:
                continue
            cell = self.cells[key]
            inputs = {name: prev[s - 1 + k]
                      for k, name in enumerate(NEIGHBOURS)
                      if name in cell.inputs}
            current[s] = cell(inputs, input_weights[idx], edge_weights,
                              sizes[s], edge_active)
        return [current[s] for _, s in self.output_positions()
                if s in current]


# ------------------------------------------------------ genotype <-> fabric
def derive_fabric_cell(alpha: Tensor, beta: Tensor,
                       positions: Sequence[Position], num_inputs: int,
                       op_names: Sequence[str], num_hidden: int,
                       mode: str = 'discrete',
                       top_k: Optional[int] = None) -> CellGenotype:
    """The genotype cell of one fabric from its α and β probabilities.

    Args:
        alpha (Tensor): (E, O) softmax(α) of the fabric (shared by its cells).
        beta (Tensor): (N_cells, 3) softmax(β) rows, masked entries 0.
        positions (Sequence[Position]): The fabric's cells in β order.
        num_inputs (int): Scales fed to the first kept layer.
        op_names (Sequence[str]): The O candidate ops.
        num_hidden (int): Hidden nodes H.
        mode (str): ``'discrete'`` (argmax non-zero op per kept edge, weight
            1) or ``'continuous'`` (every op of non-zero weight with its
            weight in ``extras.op_weights``).
        top_k (int, optional): Edges kept per hidden node in discrete mode.

    Returns:
        CellGenotype: ``num_inputs=1``; ``extras.beta`` lists every cell as
        ``{layer, scale, weights: [finer, same, coarser]}`` (``None`` for a
        missing neighbour).
    """
    if mode not in ('discrete', 'continuous'):
        raise ValueError(f'derive mode must be "discrete" or '
                         f'"continuous", got {mode!r}')
    valid = neighbour_mask(positions, num_inputs)
    extras: Dict[str, Any] = dict(beta=[
        dict(layer=j, scale=s, weights=[
            float(beta[idx, k]) if valid[idx][k] else None for k in range(3)
        ]) for idx, (j, s) in enumerate(positions)
    ])
    if mode == 'discrete':
        cell = derive_cell(alpha, op_names, num_hidden, num_inputs=1,
                           top_k=top_k)
    else:
        nodes, op_weights, e = [], [], 0
        for i in range(num_hidden):
            node, ws = [], []
            for j in range(i + 1):
                for o, op in enumerate(op_names):
                    w = float(alpha[e, o])
                    if op != ZERO and w != 0.0:
                        node.append((op, j))
                        ws.append(w)
                e += 1
            nodes.append(node)
            op_weights.append(ws)
        cell = CellGenotype(nodes=nodes, concat=list(range(1, num_hidden + 1)),
                            num_inputs=1)
        extras['op_weights'] = op_weights
    cell.extras = extras
    return cell


def fabric_spec_from_cell(cell: CellGenotype, where: str,
                          positions: Sequence[Position], num_inputs: int,
                          op_names: Sequence[str], num_hidden: int,
                          scale_by_count: bool = False):
    """Edges, constant edge weights and β weights of a fixed fabric.

    Args:
        cell (CellGenotype): A cell of :func:`derive_fabric_cell`.
        where (str): Its location, named in errors (e.g.
            ``'PoseNFS genotype: cells.fabric0_cell'``).
        positions, num_inputs, op_names, num_hidden: As the fabric's.
        scale_by_count (bool): Multiply weights by the term counts.

    Returns:
        tuple: ``edges`` ((i, j) -> kept ops), ``weights`` (one (O_e,)
        tensor per edge of sorted ``edges``), ``beta`` (N_cells, 3).

    Raises:
        GenotypeError: Naming ``where`` and the offending field.
    """
    if cell.num_inputs != 1:
        raise GenotypeError(f'{where}.num_inputs must be 1, got '
                            f'{cell.num_inputs}')
    if cell.num_nodes != num_hidden:
        raise GenotypeError(f'{where} has {cell.num_nodes} nodes, the model '
                            f'num_hidden={num_hidden}')
    op_names = list(op_names)
    op_weights = cell.extras.get('op_weights')
    if op_weights is not None and \
            [len(w) for w in op_weights] != [len(n) for n in cell.nodes]:
        raise GenotypeError(f'{where}.extras.op_weights must have one '
                            f'weight per edge of nodes')
    scale_ops = len(op_names) if scale_by_count else 1
    edges: Dict[Tuple[int, int], List[str]] = {}
    values: Dict[Tuple[int, int], List[float]] = {}
    for i, node in enumerate(cell.nodes):
        for e, (op, j) in enumerate(node):
            if op == ZERO:
                continue
            w = 1.0 if op_weights is None else float(op_weights[i][e])
            edges.setdefault((i, j), []).append(op)
            values.setdefault((i, j), []).append(w)
    for k, ops in edges.items():
        if len(set(ops)) != len(ops):
            raise GenotypeError(f'{where}: edge {k} lists an op twice')
        order = sorted(range(len(ops)), key=lambda t: op_names.index(ops[t]))
        edges[k] = [ops[t] for t in order]
        values[k] = [values[k][t] for t in order]
    weights = []
    for k in sorted(edges):
        w = torch.tensor(values[k], dtype=torch.float32)
        if op_weights is not None:
            w = w * scale_ops
        weights.append(w)
    rows = cell.extras.get('beta')
    if not isinstance(rows, list) or len(rows) != len(positions):
        got = len(rows) if isinstance(rows, list) else repr(rows)
        raise GenotypeError(
            f'{where}.extras.beta must list {len(positions)} cells '
            f'(layer, scale, weights), got {got}')
    valid = neighbour_mask(positions, num_inputs)
    beta = torch.zeros(len(positions), 3)
    for idx, (row, pos) in enumerate(zip(rows, positions)):
        if not isinstance(row, dict) or \
                (row.get('layer'), row.get('scale')) != tuple(pos):
            raise GenotypeError(f'{where}.extras.beta[{idx}] must be '
                                f'{{layer: {pos[0]}, scale: {pos[1]}, '
                                f'weights: [...]}}, got {row!r}')
        ws = row.get('weights')
        if not isinstance(ws, list) or len(ws) != 3 or \
                [w is not None for w in ws] != valid[idx]:
            raise GenotypeError(
                f'{where}.extras.beta[{idx}].weights must be 3 entries '
                f'(finer, same, coarser) with null exactly for the '
                f'missing neighbours {valid[idx]}, got {ws!r}')
        beta[idx] = torch.tensor([0.0 if w is None else float(w)
                                  for w in ws])
        if scale_by_count:
            beta[idx] = beta[idx] * sum(valid[idx])
    return edges, weights, beta


# ------------------------------------------------------ network (backbone)
def _drop_unused_stages(backbone: nn.Module) -> None:
    """Delete stages after the last output of an MMPose backbone.

    Works for backbones that run ``getattr(self, name)`` over a list of
    stage names (``layers`` in MobileNetV2, ``res_layers`` in ResNet) and
    collect ``out_indices``; others are left unchanged.
    """
    out_indices = getattr(backbone, 'out_indices', None)
    for attr in ('layers', 'res_layers'):
        names = getattr(backbone, attr, None)
        if out_indices is None or not isinstance(names, list) or \
                not all(isinstance(n, str) for n in names):
            continue
        keep = max(out_indices) + 1
        for name in names[keep:]:
            delattr(backbone, name)
        setattr(backbone, attr, names[:keep])
        return


@MODELS.register_module()
class PartFabricBackbone(BaseModule, SearchableMixin):
    """PoseNFS: part-specific CNF subnetworks on a shared MMPose backbone.

    Args:
        backbone (dict): Config of the shared backbone (any MMPose backbone
            returning a feature pyramid at 1/4, 1/8, ... e.g. ``MobileNetV2``
            with ``out_indices=(1, 2, 4, 5)``).
        adapter (dict): :class:`PyramidAdapter` config without
            ``out_channels`` (set to the fabric channels).
        parts (str | list | dict): Body parts (see
            :func:`mmposenas.parts.resolve_body_parts`), e.g. ``'coco_p3'``.
        dataset (str, optional): Dataset of a list of parts given by name.
        channels (int): Channel factor C (scale s has ``C·2^(s+2)``).
        num_hidden (int): Hidden nodes H per cell.
        num_layers (int): Layers L of the whole fabric.
        subnet_layers (int): Last layers kept as each part's subnetwork.
        num_scales (int): Scales S (1/4 ... 1/2^(S+1)).
        op_set (str | Sequence[str]): Candidate ops of every edge.
        share_adapter (bool): One adapter for all parts (the official code
            gives every part its own 1×1 convolutions).
        scale_by_count (bool): Multiply α mixtures by the number of ops and β
            mixtures by the number of neighbours (official code); off by
            default, see docs/posenfs.md.
        op_affine (bool): BatchNorm affine parameters in candidate ops.
        drop_unused_stages (bool): Delete backbone stages after its last
            output (e.g. MobileNetV2's 320-channel block and 1280 conv).
        genotype (Genotype | dict | str, optional): Fixed network; None
            builds the supernet.
        sampling (str): α/β sampling of the supernet.
        tau (float): Gumbel temperature.
        arch_init_std (float): α/β initial standard deviation (0: uniform).
        derive_top_k (int, optional): Edges kept per hidden node by
            :meth:`derive_genotype` (None keeps every predecessor).
        channels_last (bool): Keep the convolution weights and the input in
            ``torch.channels_last`` (NHWC); about 25 % faster training
            steps on this CPU (docs/posenfs.md), same function.
        init_cfg (dict, optional): MMEngine initialisation config.
    """

    def __init__(self, backbone: dict, adapter: dict,
                 parts: Union[str, Sequence, dict] = 'coco_p3',
                 dataset: Optional[str] = None, channels: int = 10,
                 num_hidden: int = 1, num_layers: int = 6,
                 subnet_layers: int = 3, num_scales: int = 4,
                 op_set: Union[str, Sequence[str]] = 'posenfs_subnet',
                 share_adapter: bool = False, scale_by_count: bool = False,
                 op_affine: bool = False, drop_unused_stages: bool = True,
                 genotype: Optional[Union[Genotype, Dict, str]] = None,
                 sampling: str = 'softmax', tau: float = 1.0,
                 arch_init_std: float = 1e-3,
                 derive_top_k: Optional[int] = None,
                 channels_last: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.op_names = resolve_op_names(op_set)
        self.body_parts: BodyParts = resolve_body_parts(parts, dataset)
        self.settings = dict(
            channels=int(channels), num_hidden=int(num_hidden),
            num_layers=int(num_layers), subnet_layers=int(subnet_layers),
            num_scales=int(num_scales), scale_by_count=bool(scale_by_count),
            op_affine=bool(op_affine), share_adapter=bool(share_adapter))
        self.derive_top_k = derive_top_k
        self.register_buffer('search_space',
                             encode_json_tensor(self._search_space()))
        fixed = inner_fixed = None
        if genotype is not None:
            full_genotype = Genotype.coerce(genotype)
            fixed, inner_fixed = split_backbone_genotype(full_genotype)
            self._check_genotype(fixed)

        backbone = copy.deepcopy(backbone)
        self.fabric_backbone = _is_fabric_backbone(backbone)
        if self.fabric_backbone:
            if fixed is None:  # this network owns the backbone's α/β
                backbone['external_arch'] = True
            elif inner_fixed is None:
                raise GenotypeError(
                    f'PoseNFS genotype: the backbone is a '
                    f'FabricPyramidBackbone but the genotype has no cells.'
                    f'{BACKBONE_CELL_KEY} (it has {sorted(fixed.cells)})')
            else:
                backbone['genotype'] = inner_fixed
        elif inner_fixed is not None:
            raise GenotypeError(
                f'PoseNFS genotype has cells.{BACKBONE_CELL_KEY} but the '
                f'configured backbone {backbone.get("type")!r} is not a '
                f'FabricPyramidBackbone')
        self.backbone = MODELS.build(backbone)
        if drop_unused_stages:
            _drop_unused_stages(self.backbone)
        self.fabric_channels = [channels * 2**(s + 2)
                                for s in range(num_scales)]
        num_parts = self.body_parts.num_parts
        adapters = []
        for _ in range(1 if share_adapter else num_parts):
            cfg = copy.deepcopy(adapter)
            levels = len(cfg['in_channels'])
            if levels > num_scales:
                raise ValueError(f'adapter has {levels} levels but the '
                                 f'fabric only {num_scales} scales')
            cfg['out_channels'] = self.fabric_channels[:levels]
            adapters.append(MODELS.build(cfg))
        self.adapters = nn.ModuleList(adapters)
        self.num_levels = len(adapter['in_channels'])

        first = num_layers - subnet_layers
        self.positions = fabric_positions(num_layers, num_scales, first)
        edges = num_cell_edges(num_hidden, 1)
        full_edges = {(i, j): list(self.op_names)
                      for i in range(num_hidden) for j in range(i + 1)}
        self.fabrics = nn.ModuleList()
        if fixed is None:
            mask = torch.tensor(neighbour_mask(self.positions,
                                               self.num_levels))
            shapes, masks = {}, {}
            for p in range(num_parts):
                shapes[f'fabric{p}_cell'] = (edges, len(self.op_names))
                shapes[f'fabric{p}_beta'] = (len(self.positions), 3)
                masks[f'fabric{p}_beta'] = mask
                self.fabrics.append(CellNeuralFabric(
                    self.fabric_channels, self.positions, self.num_levels,
                    full_edges, num_hidden, affine=op_affine))
            if self.fabric_backbone:  # keys backbone_cell, backbone_beta
                more_shapes, more_masks = self.backbone.arch_shapes(
                    'backbone_')
                shapes.update(more_shapes)
                masks.update(more_masks)
            self.arch_params = ArchitectureParameters(
                shapes, sampling=sampling, tau=tau, init_std=arch_init_std,
                masks=masks)
        else:
            self.arch_params = None
            self.genotype = full_genotype
            for p in range(num_parts):
                cell_edges, weights, beta = self._fixed_fabric_spec(fixed, p)
                self.fabrics.append(CellNeuralFabric(
                    self.fabric_channels, self.positions, self.num_levels,
                    cell_edges, num_hidden, input_weights=beta,
                    edge_weights=weights, affine=op_affine))
        self.out_channels = [self.fabric_channels[0]] * num_parts
        self.channels_last = bool(channels_last)
        if self.channels_last:  # 4D weights NHWC; α/β (2D) are unaffected
            self.to(memory_format=torch.channels_last)

    # ------------------------------------------------------------ genotype
    def _check_genotype(self, genotype: Genotype) -> None:
        """Op list, settings and parts of a genotype must match the config."""
        extras = genotype.extras
        check_genotype_search_space(
            'PoseNFS genotype', 'model', extras, self.op_names, self.settings,
            ('channels', 'num_hidden', 'num_layers', 'subnet_layers',
             'num_scales', 'scale_by_count'))
        parts = extras.get('parts')
        if parts is not None and \
                [list(g) for g in parts.get('groups', [])] != \
                self.body_parts.groups:
            raise GenotypeError(
                f'PoseNFS genotype: extras.parts.groups '
                f'{parts.get("groups")} differ from the configured parts '
                f'{self.body_parts.groups}')
        required = [f'fabric{p}_cell'
                    for p in range(self.body_parts.num_parts)]
        genotype.validate(op_names=self.op_names, required=required)

    def _fixed_fabric_spec(self, genotype: Genotype, p: int):
        """Edges, constant edge weights and β weights of fabric ``p``."""
        key = f'fabric{p}_cell'
        return fabric_spec_from_cell(
            genotype[key], f'PoseNFS genotype: cells.{key}', self.positions,
            self.num_levels, self.op_names, self.settings['num_hidden'],
            self.settings['scale_by_count'])

    def _fabric_extras(self) -> Dict[str, Any]:
        return dict(method='posenfs', op_names=list(self.op_names),
                    fabric=dict(self.settings),
                    parts=self.body_parts.to_dict())

    def derive_genotype(self, mode: str = 'discrete') -> Genotype:
        """Genotype of the searched α/β.

        Args:
            mode (str): ``'discrete'``: per hidden node the ``derive_top_k``
                strongest inputs (all when None) with their argmax non-zero
                op (weight 1). ``'continuous'``: every op of non-zero weight
                on every edge with its softmax weight (pruning, PoseNFS
                Sec. III-F). β softmax weights are kept in both.

        Returns:
            Genotype: cells ``fabric<p>_cell``; extras hold op_names, the
            fabric settings, the parts and (per cell) β weights.
        """
        if mode not in ('discrete', 'continuous'):
            raise ValueError(f'derive mode must be "discrete" or '
                             f'"continuous", got {mode!r}')
        if not self.is_searchable:
            return self.genotype
        cells = {}
        for p, name in enumerate(self.body_parts.names):
            cell = derive_fabric_cell(
                self.arch_params.probabilities(f'fabric{p}_cell'),
                self.arch_params.probabilities(f'fabric{p}_beta'),
                self.positions, self.num_levels, self.op_names,
                self.settings['num_hidden'], mode, self.derive_top_k)
            cell.extras = dict(part=name,
                               keypoints=list(self.body_parts.groups[p]),
                               **cell.extras)
            cells[f'fabric{p}_cell'] = cell
        extras = self._fabric_extras()
        extras['mode'] = mode
        if self.fabric_backbone:
            inner = self.backbone.derive_genotype(
                mode, self.arch_params.probabilities('backbone_cell'),
                self.arch_params.probabilities('backbone_beta'))
            cells[BACKBONE_CELL_KEY] = inner[BACKBONE_CELL_KEY]
            extras['backbone'] = inner.extras
        return Genotype(cells=cells, extras=extras)

    # ----------------------------------------------------- checkpoint guard
    def _search_space(self) -> Dict[str, Any]:
        return dict(op_names=list(self.op_names), fabric=dict(self.settings))

    def _load_from_state_dict(self, state_dict, prefix, local_metadata,
                              strict, missing_keys, unexpected_keys,
                              error_msgs) -> None:
        """Refuse a checkpoint searched with another op list or fabric.

        The op list and fabric settings travel in the checkpoint as the
        UTF-8 bytes of their JSON (buffer ``search_space``; a tensor, so
        tracing, FLOP counting and ``weights_only`` loading still work).
        """
        key = prefix + 'search_space'
        if key in state_dict:
            check_saved_search_space('PartFabricBackbone', state_dict[key],
                                     self.op_names, self.settings)
            state_dict[key] = self.search_space.clone()
        super()._load_from_state_dict(state_dict, prefix, local_metadata,
                                      strict, missing_keys, unexpected_keys,
                                      error_msgs)

    # ------------------------------------------------------------- forward
    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        """Shared backbone, then one fabric subnetwork per part.

        Args:
            x (Tensor): (B, 3, H, W) images.

        Returns:
            tuple[Tensor]: P part representations (B, 4C, H/4, W/4).
        """
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        samples = self.sample_arch_weights()
        if self.fabric_backbone and self.backbone.is_supernet:
            alpha, active = samples['backbone_cell']
            feats = self.backbone(x, alpha, samples['backbone_beta'][0],
                                  active)
        else:
            feats = self.backbone(x)
        if len(feats) != self.num_levels:
            raise ValueError(f'backbone returned {len(feats)} levels, the '
                             f'adapter expects {self.num_levels}')
        scale_ops = len(self.op_names) \
            if self.settings['scale_by_count'] else None
        outs = []
        for p, fabric in enumerate(self.fabrics):
            adapter = self.adapters[0 if len(self.adapters) == 1 else p]
            pyramid = adapter(feats)
            if fabric.fixed:
                outs.append(fabric(pyramid)[0])
                continue
            alpha, active = samples[f'fabric{p}_cell']
            beta, _ = samples[f'fabric{p}_beta']
            if scale_ops is not None:
                alpha = alpha * scale_ops
                beta = beta * fabric_valid_counts(fabric, beta)
            outs.append(fabric(pyramid, beta, alpha, active)[0])
        return tuple(outs)


#: Genotype cell of a fabric backbone inside a part network.
BACKBONE_CELL_KEY = 'backbone_cell'


def _is_fabric_backbone(cfg: dict) -> bool:
    """Whether a backbone config builds a ``FabricPyramidBackbone``."""
    from .fabric_backbone import FabricPyramidBackbone
    kind = cfg.get('type')
    if isinstance(kind, str):
        kind = MODELS.get(kind)
    return isinstance(kind, type) and issubclass(kind, FabricPyramidBackbone)


def split_backbone_genotype(genotype: Genotype
                            ) -> Tuple[Genotype, Optional[Genotype]]:
    """Split a part network's genotype into its own and its backbone's.

    The backbone part is the cell ``backbone_cell`` with ``extras.backbone``
    (the :class:`FabricPyramidBackbone` settings); None when absent.
    """
    if BACKBONE_CELL_KEY not in genotype.cells:
        return genotype, None
    own_cells = {k: v for k, v in genotype.cells.items()
                 if k != BACKBONE_CELL_KEY}
    own_extras = {k: v for k, v in genotype.extras.items() if k != 'backbone'}
    inner_extras = genotype.extras.get('backbone')
    if not isinstance(inner_extras, dict):
        raise GenotypeError(f'genotype {genotype.source}: cells.'
                            f'{BACKBONE_CELL_KEY} needs extras.backbone (the '
                            f'fabric backbone settings), got '
                            f'{inner_extras!r}')
    inner = Genotype(cells={BACKBONE_CELL_KEY:
                            genotype.cells[BACKBONE_CELL_KEY]},
                     extras=inner_extras, source=genotype.source)
    return Genotype(cells=own_cells, extras=own_extras,
                    source=genotype.source), inner


def encode_json_tensor(data: Any) -> Tensor:
    """JSON-serialisable data as a uint8 tensor of its UTF-8 bytes."""
    raw = json.dumps(data, sort_keys=True).encode('utf-8')
    return torch.tensor(list(raw), dtype=torch.uint8)


def decode_json_tensor(t: Tensor) -> Any:
    """Inverse of :func:`encode_json_tensor`."""
    return json.loads(bytes(t.tolist()).decode('utf-8'))


def check_genotype_search_space(owner: str, what: str, extras: Dict,
                                op_names: Sequence[str],
                                settings: Dict[str, Any],
                                keys: Sequence[str]) -> None:
    """A fabric genotype's op list and settings must match the model's.

    Args:
        owner (str): Start of the message (e.g. ``'PoseNFS genotype'``).
        what (str): What is configured (``'model'``, ``'backbone'``).
        extras (dict): The genotype's ``extras`` (``op_names``, ``fabric``).
        op_names (Sequence[str]): The model's op list.
        settings (dict): The model's fabric settings.
        keys (Sequence[str]): Settings that must be present and equal.

    Raises:
        GenotypeError: Naming the field path, what was found and expected.
    """
    ops = extras.get('op_names')
    if ops is None:
        raise GenotypeError(f'{owner}: extras.op_names is missing')
    if list(ops) != list(op_names):
        raise GenotypeError(
            f'{owner} was searched with op list {list(ops)} '
            f'(extras.op_names) but the {what} is configured with '
            f'{list(op_names)}; build it with the same op_set')
    fabric = extras.get('fabric')
    if not isinstance(fabric, dict):
        raise GenotypeError(f'{owner}: extras.fabric must be a mapping of '
                            f'fabric settings')
    for key in keys:
        if key not in fabric:
            raise GenotypeError(f'{owner}: extras.fabric.{key} is missing')
        if fabric[key] != settings[key]:
            raise GenotypeError(
                f'{owner}: extras.fabric.{key} is {fabric[key]!r} but the '
                f'{what} has {settings[key]!r}')


def check_saved_search_space(owner: str, saved: Tensor,
                             op_names: Sequence[str],
                             settings: Dict[str, Any]) -> None:
    """Refuse a checkpoint's ``search_space`` buffer of another fabric.

    Args:
        owner (str): Class name for the message.
        saved (Tensor): The checkpoint's ``search_space`` buffer (JSON bytes
            with ``op_names`` and ``fabric`` settings).
        op_names (Sequence[str]): The model's op list.
        settings (dict): The model's fabric settings.

    Raises:
        ValueError: Another op list, or fabric settings that differ (both
            named, checkpoint first).
    """
    saved = decode_json_tensor(saved)
    ops = list(saved.get('op_names', []))
    if ops != list(op_names):
        raise ValueError(
            f'{owner}: the checkpoint was built with op list {ops} but the '
            f'model is configured with {list(op_names)}; use the same op_set')
    fabric = saved.get('fabric', {})
    diff = {k: (fabric[k], v) for k, v in settings.items()
            if k in fabric and fabric[k] != v}
    if diff:
        raise ValueError(f'{owner}: fabric settings of the checkpoint '
                         f'differ, (checkpoint, model): {diff}')


def fabric_valid_counts(fabric: CellNeuralFabric, like: Tensor) -> Tensor:
    """(N_cells, 1) number of existing neighbours of every cell."""
    counts = torch.tensor([[float(sum(v))] for v in fabric.valid],
                          dtype=like.dtype, device=like.device)
    return counts
