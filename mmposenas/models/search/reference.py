"""The textbook DARTS mixed op, kept as a yardstick for the fast one.

:class:`ReferenceMixedOp` computes an edge the way the original DARTS code
formulates it: every candidate runs, ``zero`` included (as ``x * 0``), each
op applies its own leading ReLU, and the edge output is a Python ``sum`` of
``w * op(x)`` in NCHW memory. :func:`to_reference_supernet` turns a copy of
any supernet built on :class:`~.mixed.MixedOp` into that formulation with the
same weights, so ``benchmarks/supernet_step_cost.py`` can time both at
identical math and the tests can check that outputs and gradients agree.
"""
import copy
from typing import Optional, Sequence

import torch
import torch.nn as nn
from torch import Tensor

from .mixed import MixedOp
from .ops import ZERO


class ReferenceZero(nn.Module):
    """DARTS' ``Zero``: ``x * 0`` (strided on reduction edges).

    Args:
        stride (int): 1 or 2.
    """

    def __init__(self, stride: int) -> None:
        super().__init__()
        self.stride = stride

    def forward(self, x: Tensor) -> Tensor:
        """(B, C, H, W) -> (B, C, ceil(H/s), ceil(W/s)) of zeros."""
        if self.stride == 1:
            return x.mul(0.)
        return x[:, :, ::self.stride, ::self.stride].mul(0.)


class ReferenceMixedOp(nn.Module):
    """Every candidate run, ``sum(w * op(x))``; shares the ops of a MixedOp.

    Args:
        mixed (MixedOp): The fast mixed op whose candidate modules (and so
            weights) are reused. Plain DARTS only: ``partial_channels=1`` and
            no auxiliary skip.
    """

    def __init__(self, mixed: MixedOp) -> None:
        super().__init__()
        if mixed.partial_channels != 1:
            raise ValueError('ReferenceMixedOp models plain DARTS edges; got '
                             f'partial_channels={mixed.partial_channels}')
        self.op_names = list(mixed.op_names)
        self.ops = mixed.ops
        self.zero = ReferenceZero(mixed.stride)

    def needs_relu(self, active: Optional[Sequence[bool]] = None) -> bool:
        """Never: every candidate applies its own ReLU here."""
        return False

    def forward(self, x: Tensor, weights: Tensor,
                active: Optional[Sequence[bool]] = None,
                x_relu: Optional[Tensor] = None) -> Tensor:
        """Mix all candidates; ``active`` and ``x_relu`` are ignored.

        Args:
            x (Tensor): (B, C_in, H, W).
            weights (Tensor): (O,) mixing weights.

        Returns:
            Tensor: (B, C_out, H', W').
        """
        return sum(w * (self.zero(x) if name == ZERO else self.ops[name](x))
                   for w, name in zip(weights, self.op_names))


def to_reference_supernet(net: nn.Module) -> nn.Module:
    """A deep copy of ``net`` whose mixed ops use the textbook formulation.

    The copy has the same parameters and buffers (copied, not shared), runs
    in NCHW memory (``channels_last`` switched off where a module has that
    flag) and computes the same function as ``net`` up to float rounding.

    Args:
        net (nn.Module): A supernet built on :class:`MixedOp`.

    Returns:
        nn.Module: The reference copy.

    Raises:
        ValueError: ``net`` contains no MixedOp.
    """
    ref = copy.deepcopy(net)
    replaced = 0
    for module in list(ref.modules()):
        for name, child in list(module.named_children()):
            if isinstance(child, MixedOp):
                setattr(module, name, ReferenceMixedOp(child))
                replaced += 1
        if getattr(module, 'channels_last', False):
            module.channels_last = False
    if not replaced:
        raise ValueError(f'{type(net).__name__} has no MixedOp to replace')
    ref.to(memory_format=torch.contiguous_format)
    return ref
