"""Mixed operation: a weighted sum of candidate operations on one edge."""
from typing import Optional, Sequence

import torch.nn as nn
from torch import Tensor

from .ops import ZERO, build_op, zeros_like_output


class MixedOp(nn.Module):
    """Candidate ops of one edge, mixed by externally supplied weights.

    The weights come from :class:`ArchitectureParameters` (softmax, soft or
    straight-through Gumbel), so the mixed op itself holds no α. ``zero`` is
    never built or run: its contribution is exactly zero and so is the gradient
    it would give its weight. Ops whose weight is exactly zero (the unselected
    ops of a straight-through Gumbel sample) are skipped as well, so a hard
    sample costs one op; the sample's gradient then reaches every α entry
    through the selected weight (GDAS-style estimator).

    Args:
        op_names (Sequence[str]): Candidate op names (may include ``zero``).
        in_channels (int): C_in.
        out_channels (int): C_out.
        stride (int): 1, or 2 to halve the resolution.
        affine (bool): BatchNorm affine parameters in the candidates (DARTS
            search uses ``False``).
    """

    def __init__(self, op_names: Sequence[str], in_channels: int,
                 out_channels: int, stride: int = 1,
                 affine: bool = False) -> None:
        super().__init__()
        self.op_names = list(op_names)
        self.out_channels = out_channels
        self.stride = stride
        self.ops = nn.ModuleDict({
            name: build_op(name, in_channels, out_channels, stride, affine)
            for name in self.op_names if name != ZERO
        })

    def forward(self, x: Tensor, weights: Tensor,
                active: Optional[Sequence[bool]] = None) -> Tensor:
        """Mix the candidates.

        Args:
            x (Tensor): (B, C_in, H, W).
            weights (Tensor): (O,) mixing weights, one per op in ``op_names``.
            active (Sequence[bool], optional): (O,) host-side flags of the ops
                to run, e.g. ``weights != 0`` computed once per cell; all ops
                run when omitted.

        Returns:
            Tensor: (B, C_out, ceil(H/stride), ceil(W/stride)).
        """
        if weights.shape != (len(self.op_names), ):
            raise ValueError(f'MixedOp expects {len(self.op_names)} weights '
                             f'(one per op of {self.op_names}), got shape '
                             f'{tuple(weights.shape)}')
        out = None
        for i, name in enumerate(self.op_names):
            if name == ZERO or (active is not None and not active[i]):
                continue
            term = weights[i] * self.ops[name](x)
            out = term if out is None else out + term
        if out is None:  # only zero was selected
            out = zeros_like_output(x, self.out_channels, self.stride)
            out = out * weights.sum()  # keeps the graph connected to α
        return out

    def extra_repr(self) -> str:
        return f'op_names={self.op_names}, stride={self.stride}'
