"""Multiply-adds of networks and the expected cost of a supernet's α.

One counter serves the whole project: :func:`count_macs` wraps MMEngine's
``FlopAnalyzer`` (one fused multiply-add counts 1; BatchNorm and other
element-wise ops as MMEngine's handles count them). ``tools/analysis/
get_flops.py`` reports it and the cost-aware search uses it here.

Cost-aware search (:class:`EdgeCostTable`): one analysis of the supernet
gives the multiply-adds of every candidate op of every searchable edge (by
module name) and of the fixed rest (stem, cell preprocessing, head). The
expected multiply-adds under α are then

    E[MACs] = fixed + Σ_cells Σ_edges Σ_ops softmax(α_type)[edge, op] · MACs

which is differentiable in α, so a weighted (or budgeted) cost term can be
added to the architecture loss.
"""
from typing import Dict, List, Tuple

import torch
import torch.nn as nn
from torch import Tensor

from .arch import searchable_modules
from .cell import SearchCell
from .mixed import MixedOp
from .ops import ZERO


def count_macs(module: nn.Module, inputs: Tuple[Tensor, ...]):
    """MMEngine's ``FlopAnalyzer`` of ``module(*inputs)``, warnings off.

    Returns:
        mmengine.analysis.FlopAnalyzer: ``.total()`` and ``.by_module()``
        give multiply-adds.
    """
    from mmengine.analysis import FlopAnalyzer

    analyzer = FlopAnalyzer(module, inputs)
    analyzer.unsupported_ops_warnings(False)
    analyzer.uncalled_modules_warnings(False)
    return analyzer


class _TensorForward(nn.Module):
    """A pose estimator's backbone + head forward on image tensors."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: Tensor):
        return self.model._forward(x)


class EdgeCostTable:
    """Multiply-adds of every candidate of every searchable edge.

    Covers the :class:`SearchCell` edges (with a ``cell_type`` attribute
    naming their α key) of the searchable module of ``model``.

    Args:
        model (nn.Module): A pose estimator (``_forward(images)``) or a
            backbone (``forward(images)``) holding one searchable module.
        input_shape (tuple[int, int, int]): (C, H, W) of one image.
    """

    def __init__(self, model: nn.Module,
                 input_shape: Tuple[int, int, int]) -> None:
        searchable = searchable_modules(model)
        if len(searchable) != 1:
            raise ValueError(f'EdgeCostTable: expected one searchable module, '
                             f'found {len(searchable)}')
        self.arch = searchable[0].arch_params
        wrapped = _TensorForward(model) if hasattr(model, '_forward') \
            else model
        was_training, sampling = model.training, self.arch.sampling
        model.eval()
        self.arch.sampling = 'softmax'  # every candidate runs once
        try:
            with torch.no_grad():
                analyzer = count_macs(wrapped,
                                      (torch.zeros(1, *input_shape), ))
                by_module = analyzer.by_module()
                total = analyzer.total()
        finally:
            model.train(was_training)
            self.arch.sampling = sampling
        prefix = 'model.' if wrapped is not model else ''
        names = {id(m): n for n, m in model.named_modules()}
        #: per α key: list of (edge row, (O,) MACs of its candidates)
        self.rows: Dict[str, List[Tuple[int, Tensor]]] = {}
        searchable_macs = 0
        for cell in model.modules():
            if not isinstance(cell, SearchCell) or not cell.searchable:
                continue
            key = getattr(cell, 'cell_type', None)
            if key not in self.arch.alphas:
                continue
            for k, edge in enumerate(cell.edges):
                if not isinstance(edge, MixedOp):
                    continue
                base = prefix + names[id(edge)]
                macs = [0 if op == ZERO else
                        by_module.get(f'{base}.ops.{op}', 0)
                        for op in edge.op_names]
                searchable_macs += sum(macs)
                self.rows.setdefault(key, []).append(
                    (k, torch.tensor(macs, dtype=torch.float64)))
        if not self.rows:
            raise ValueError('EdgeCostTable: the searchable module has no '
                             'SearchCell edges with a cell_type α key')
        #: multiply-adds that do not depend on α (stem, preprocessing, head)
        self.fixed = float(total - searchable_macs)
        #: the most expensive architecture: every edge's costliest op
        self.max_macs = self.fixed + float(sum(
            m.max() for rows in self.rows.values() for _, m in rows))

    def expected_macs(self) -> Tensor:
        """E[MACs] under softmax(α): a scalar, differentiable in α."""
        total = torch.zeros((), dtype=torch.float64)
        for key, rows in self.rows.items():
            probs = torch.softmax(self.arch.alphas[key], dim=-1).double()
            for k, macs in rows:
                total = total + (probs[k] * macs).sum()
        return total + self.fixed
