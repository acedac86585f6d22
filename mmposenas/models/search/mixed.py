"""Mixed operation: a weighted sum of candidate operations on one edge."""
from typing import Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from .ops import ZERO, build_op, split_leading_relu, zeros_like_output


def channel_shuffle(x: Tensor, groups: int) -> Tensor:
    """Interleave the channels of ``groups`` equal groups (ShuffleNet).

    Args:
        x (Tensor): (B, C, H, W) with C divisible by ``groups``.

    Returns:
        Tensor: (B, C, H, W); output channel ``c * groups + g`` is input
        channel ``g * (C / groups) + c``.
    """
    b, c, h, w = x.shape
    return x.view(b, groups, c // groups, h, w).transpose(1, 2).reshape(
        b, c, h, w)


class MixedOp(nn.Module):
    """Candidate ops of one edge, mixed by externally supplied weights.

    The weights come from :class:`ArchitectureParameters` (softmax, soft or
    straight-through Gumbel), so the mixed op itself holds no α. ``zero`` is
    never built or run: its contribution is exactly zero and so is the gradient
    it would give its weight. Candidates that start with a ReLU (DARTS'
    ReLU-Conv-BN order) share one ``relu(x)`` per input instead of each
    computing their own. Ops whose weight is exactly zero (the unselected
    ops of a straight-through Gumbel sample) are skipped as well, so a hard
    sample costs one op; the sample's gradient then reaches every α entry
    through the selected weight (GDAS-style estimator).

    Two collapse remedies live here, off by default:

    * partial channels (PC-DARTS, ``partial_channels=K``): only the first
      ``C/K`` channels go through the candidates, the rest bypass the edge
      (max-pooled on stride-2 edges), and the result is channel-shuffled with
      ``K`` groups; ``K=1`` is plain DARTS.
    * an auxiliary skip connection (DARTS-): ``aux_skip * x`` is added on
      stride-1 edges with equal channels; the coefficient is set by
      ``AuxiliarySkipHook`` and decays to 0.

    Args:
        op_names (Sequence[str]): Candidate op names (may include ``zero``).
        in_channels (int): C_in.
        out_channels (int): C_out.
        stride (int): 1, or 2 to halve the resolution.
        affine (bool): BatchNorm affine parameters in the candidates (DARTS
            search uses ``False``).
        partial_channels (int): K of PC-DARTS (1: all channels).
    """

    def __init__(self, op_names: Sequence[str], in_channels: int,
                 out_channels: int, stride: int = 1,
                 affine: bool = False, partial_channels: int = 1) -> None:
        super().__init__()
        k = int(partial_channels)
        if k < 1:
            raise ValueError(f'MixedOp: partial_channels must be >= 1, got '
                             f'{partial_channels}')
        if k > 1 and (in_channels != out_channels or in_channels % k):
            raise ValueError(
                f'MixedOp: partial_channels={k} needs equal input and output '
                f'channels divisible by {k}; got {in_channels} -> '
                f'{out_channels}')
        self.op_names = list(op_names)
        self.out_channels = out_channels
        self.stride = stride
        self.partial_channels = k
        self.aux_skip = 0.0
        self.ops = nn.ModuleDict({
            name: build_op(name, in_channels // k, out_channels // k, stride,
                           affine)
            for name in self.op_names if name != ZERO
        })

    def _mix(self, x: Tensor, weights: Tensor,
             active: Optional[Sequence[bool]],
             x_relu: Optional[Tensor] = None) -> Tensor:
        out = None
        for i, name in enumerate(self.op_names):
            if name == ZERO or (active is not None and not active[i]):
                continue
            op = self.ops[name]
            rest = split_leading_relu(op)
            if rest is None:
                y = op(x)
            else:  # one ReLU per input, shared by the candidates
                if x_relu is None:
                    x_relu = F.relu(x)
                y = rest(x_relu)
            term = weights[i] * y
            out = term if out is None else out + term
        if out is None:  # only zero was selected
            out = zeros_like_output(
                x, self.out_channels // self.partial_channels, self.stride)
            out = out * weights.sum()  # keeps the graph connected to α
        return out

    def needs_relu(self, active: Optional[Sequence[bool]] = None) -> bool:
        """Whether a run with these ``active`` flags uses ``relu(x)``."""
        return any(
            name != ZERO and (active is None or active[i])
            and split_leading_relu(self.ops[name]) is not None
            for i, name in enumerate(self.op_names))

    def forward(self, x: Tensor, weights: Tensor,
                active: Optional[Sequence[bool]] = None,
                x_relu: Optional[Tensor] = None) -> Tensor:
        """Mix the candidates.

        Args:
            x (Tensor): (B, C_in, H, W).
            weights (Tensor): (O,) mixing weights, one per op in ``op_names``.
            active (Sequence[bool], optional): (O,) host-side flags of the ops
                to run, e.g. ``weights != 0`` computed once per cell; all ops
                run when omitted.
            x_relu (Tensor, optional): ``relu(x)`` when the caller already
                has it (a cell computes it once per node state); computed
                here, once for all candidates, when omitted.

        Returns:
            Tensor: (B, C_out, ceil(H/stride), ceil(W/stride)).
        """
        if weights.shape != (len(self.op_names), ):
            raise ValueError(f'MixedOp expects {len(self.op_names)} weights '
                             f'(one per op of {self.op_names}), got shape '
                             f'{tuple(weights.shape)}')
        k = self.partial_channels
        if k == 1:
            out = self._mix(x, weights, active, x_relu)
        else:
            c = x.shape[1] // k
            rest = x[:, c:]
            if self.stride == 2:
                rest = F.max_pool2d(rest, 2, 2, ceil_mode=True)
            part_relu = None if x_relu is None else x_relu[:, :c]
            out = channel_shuffle(
                torch.cat([self._mix(x[:, :c], weights, active, part_relu),
                           rest], 1), k)
        if self.aux_skip and self.stride == 1 and \
                x.shape[1] == self.out_channels:
            out = out + self.aux_skip * x
        return out

    def extra_repr(self) -> str:
        extra = (f', partial_channels={self.partial_channels}'
                 if self.partial_channels > 1 else '')
        return f'op_names={self.op_names}, stride={self.stride}{extra}'
