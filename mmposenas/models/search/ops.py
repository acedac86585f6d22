"""Candidate operations of the search space, each buildable by name.

Every candidate is built as ``OPS[name](in_channels, out_channels, stride, affine)``
and maps a ``(B, C_in, H, W)`` tensor to ``(B, C_out, ceil(H / stride),
ceil(W / stride))``. Convolutions follow the DARTS order ReLU-Conv-BN.

Op sets are named lists (``OP_SETS``) chosen in configs by name, or given as an
explicit list of op names.
"""
from typing import Callable, Dict, List, Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

ZERO = 'zero'


class ReLUConvBN(nn.Module):
    """ReLU, (possibly dilated) convolution, BatchNorm.

    Args:
        in_channels (int): C_in.
        out_channels (int): C_out.
        kernel_size (int | tuple): Kernel size.
        stride (int | tuple): Stride.
        padding (int | tuple): Zero padding.
        dilation (int): Dilation.
        affine (bool): Learnable BatchNorm affine parameters.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride,
                 padding, dilation: int = 1, affine: bool = True) -> None:
        super().__init__()
        self.op = nn.Sequential(
            nn.ReLU(inplace=False),
            nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride,
                      padding=padding, dilation=dilation, bias=False),
            nn.BatchNorm2d(out_channels, affine=affine))

    def forward(self, x: Tensor) -> Tensor:
        """(B, C_in, H, W) -> (B, C_out, H', W')."""
        return self.op(x)


class DilConv(nn.Module):
    """ReLU, depthwise (dilated) conv, pointwise conv, BatchNorm (DARTS).

    Args:
        in_channels (int): C_in.
        out_channels (int): C_out.
        kernel_size (int): Depthwise kernel size.
        stride (int): Stride of the depthwise conv.
        padding (int): Padding of the depthwise conv.
        dilation (int): Dilation of the depthwise conv.
        affine (bool): Learnable BatchNorm affine parameters.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int,
                 stride: int, padding: int, dilation: int,
                 affine: bool = True) -> None:
        super().__init__()
        self.op = nn.Sequential(
            nn.ReLU(inplace=False),
            nn.Conv2d(in_channels, in_channels, kernel_size, stride=stride,
                      padding=padding, dilation=dilation, groups=in_channels,
                      bias=False),
            nn.Conv2d(in_channels, out_channels, 1, bias=False),
            nn.BatchNorm2d(out_channels, affine=affine))

    def forward(self, x: Tensor) -> Tensor:
        """(B, C_in, H, W) -> (B, C_out, H', W')."""
        return self.op(x)


class SepConv(nn.Module):
    """Two stacked depthwise-separable convolutions (DARTS ``sep_conv``).

    The first stack carries the stride and keeps C_in channels; the second maps
    to C_out.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int,
                 stride: int, padding: int, affine: bool = True) -> None:
        super().__init__()
        self.op = nn.Sequential(
            DilConv(in_channels, in_channels, kernel_size, stride, padding, 1,
                    affine),
            DilConv(in_channels, out_channels, kernel_size, 1, padding, 1,
                    affine))

    def forward(self, x: Tensor) -> Tensor:
        """(B, C_in, H, W) -> (B, C_out, H', W')."""
        return self.op(x)


class FactorizedReduce(nn.Module):
    """Halve the resolution with two offset 1x1 stride-2 convolutions.

    Odd sizes are padded on the bottom/right so the output is always
    ``ceil(H / 2) x ceil(W / 2)``.

    Args:
        in_channels (int): C_in.
        out_channels (int): C_out.
        affine (bool): Learnable BatchNorm affine parameters.
    """

    def __init__(self, in_channels: int, out_channels: int,
                 affine: bool = True) -> None:
        super().__init__()
        half = out_channels // 2
        self.relu = nn.ReLU(inplace=False)
        self.conv_a = nn.Conv2d(in_channels, half, 1, stride=2, bias=False)
        self.conv_b = nn.Conv2d(in_channels, out_channels - half, 1, stride=2,
                                bias=False)
        self.bn = nn.BatchNorm2d(out_channels, affine=affine)

    def forward(self, x: Tensor) -> Tensor:
        """(B, C_in, H, W) -> (B, C_out, ceil(H/2), ceil(W/2))."""
        return self.forward_after_relu(self.relu(x))

    def forward_after_relu(self, x: Tensor) -> Tensor:
        """:meth:`forward` given ``relu(x)``."""
        shifted = F.pad(x, (0, 1, 0, 1))[:, :, 1:, 1:]
        return self.bn(torch.cat([self.conv_a(x), self.conv_b(shifted)], dim=1))


class Zero(nn.Module):
    """The ``zero`` candidate: an all-zero output of the right shape.

    Mixed operations never call it (it contributes nothing); a fixed network
    only builds it if a genotype explicitly keeps a ``zero`` edge.
    """

    def __init__(self, out_channels: int, stride: int) -> None:
        super().__init__()
        self.out_channels = out_channels
        self.stride = stride

    def forward(self, x: Tensor) -> Tensor:
        """(B, C_in, H, W) -> zeros (B, C_out, ceil(H/s), ceil(W/s))."""
        return zeros_like_output(x, self.out_channels, self.stride)


def zeros_like_output(x: Tensor, out_channels: int, stride: int) -> Tensor:
    """Zeros shaped like an op output: (B, C_out, ceil(H/s), ceil(W/s))."""
    b, _, h, w = x.shape
    return x.new_zeros(b, out_channels, -(-h // stride), -(-w // stride))


def _pool(kind: str, in_channels: int, out_channels: int, stride: int,
          affine: bool) -> nn.Module:
    """3x3 pooling, followed by a 1x1 ReLU-Conv-BN when channels change."""
    pool = (nn.MaxPool2d(3, stride=stride, padding=1) if kind == 'max' else
            nn.AvgPool2d(3, stride=stride, padding=1, count_include_pad=False))
    if in_channels == out_channels:
        return pool
    return nn.Sequential(
        pool, ReLUConvBN(in_channels, out_channels, 1, 1, 0, affine=affine))


def _skip(in_channels: int, out_channels: int, stride: int,
          affine: bool) -> nn.Module:
    """Identity, factorized reduce (stride 2) or 1x1 projection."""
    if stride == 2:
        return FactorizedReduce(in_channels, out_channels, affine=affine)
    if stride != 1:
        raise ValueError(f'skip_connect supports stride 1 or 2, got {stride}')
    if in_channels == out_channels:
        return nn.Identity()
    return ReLUConvBN(in_channels, out_channels, 1, 1, 0, affine=affine)


def _conv_7x1_1x7(in_channels: int, out_channels: int, stride: int,
                  affine: bool) -> nn.Module:
    """ReLU, 1x7 conv, 7x1 conv, BatchNorm (NASNet/DARTS extension)."""
    return nn.Sequential(
        nn.ReLU(inplace=False),
        nn.Conv2d(in_channels, out_channels, (1, 7), stride=(1, stride),
                  padding=(0, 3), bias=False),
        nn.Conv2d(out_channels, out_channels, (7, 1), stride=(stride, 1),
                  padding=(3, 0), bias=False),
        nn.BatchNorm2d(out_channels, affine=affine))


OpBuilder = Callable[[int, int, int, bool], nn.Module]

#: Candidate operations by name: ``OPS[name](C_in, C_out, stride, affine)``.
OPS: Dict[str, OpBuilder] = {
    ZERO: lambda ci, co, s, a: Zero(co, s),
    'skip_connect': _skip,
    'sep_conv_3x3': lambda ci, co, s, a: SepConv(ci, co, 3, s, 1, a),
    'sep_conv_5x5': lambda ci, co, s, a: SepConv(ci, co, 5, s, 2, a),
    'dil_conv_3x3': lambda ci, co, s, a: DilConv(ci, co, 3, s, 2, 2, a),
    'dil_conv_5x5': lambda ci, co, s, a: DilConv(ci, co, 5, s, 4, 2, a),
    'max_pool_3x3': lambda ci, co, s, a: _pool('max', ci, co, s, a),
    'avg_pool_3x3': lambda ci, co, s, a: _pool('avg', ci, co, s, a),
    'conv_1x1': lambda ci, co, s, a: ReLUConvBN(ci, co, 1, s, 0, affine=a),
    'conv_3x3': lambda ci, co, s, a: ReLUConvBN(ci, co, 3, s, 1, affine=a),
    'conv_5x5': lambda ci, co, s, a: ReLUConvBN(ci, co, 5, s, 2, affine=a),
    'atrous_conv_3x3': lambda ci, co, s, a: ReLUConvBN(
        ci, co, 3, s, 2, dilation=2, affine=a),
    'dw_conv_7x7': lambda ci, co, s, a: DilConv(ci, co, 7, s, 3, 1, a),
    'conv_7x1_1x7': _conv_7x1_1x7,
}

_DARTS = ['zero', 'skip_connect', 'sep_conv_3x3', 'sep_conv_5x5',
          'dil_conv_3x3', 'dil_conv_5x5', 'max_pool_3x3', 'avg_pool_3x3']

#: Named op sets selectable in configs (``op_set='darts'``).
OP_SETS: Dict[str, List[str]] = {
    # DARTS / part-aware 3D NAS op set O.
    'darts': _DARTS,
    # seed-000 extension with large receptive fields.
    'darts_ext': _DARTS + ['dw_conv_7x7', 'conv_7x1_1x7'],
    # AutoPose cell candidates (Sec. 3.1.2: six ops, no zero).
    'autopose': ['conv_1x1', 'conv_3x3', 'conv_5x5', 'avg_pool_3x3',
                 'max_pool_3x3', 'skip_connect'],
    # PoseNFS cell candidates.
    'posenfs': ['zero', 'skip_connect', 'sep_conv_3x3', 'atrous_conv_3x3',
                'max_pool_3x3', 'avg_pool_3x3'],
    # PoseNFS subnetwork (CNF) candidates: zero, skip, 3x3 separable conv and
    # 3x3 dilation-2 conv. The official code's atrous op is depthwise-separable
    # (depthwise dilated 3x3 + pointwise), i.e. ``dil_conv_3x3``; with it the
    # paper's MobileNet-V2 P=3 C=10 model has the stated size (docs/posenfs.md).
    'posenfs_subnet': ['zero', 'skip_connect', 'sep_conv_3x3', 'dil_conv_3x3'],
    # The same with the full (dense) dilated conv ``atrous_conv_3x3``.
    'posenfs_subnet_dense': ['zero', 'skip_connect', 'sep_conv_3x3',
                             'atrous_conv_3x3'],
    # PoseNFS CNF backbone (Fabric-1/2/3) candidates: the subnetwork ops
    # plus 3x3 max and average pooling, as the official backbone config.
    'posenfs_backbone': ['zero', 'skip_connect', 'sep_conv_3x3',
                         'dil_conv_3x3', 'max_pool_3x3', 'avg_pool_3x3'],
}


def resolve_op_names(op_set: Union[str, Sequence[str]]) -> List[str]:
    """Turn an op-set name or an explicit list of op names into a checked list.

    Args:
        op_set (str | Sequence[str]): A key of :data:`OP_SETS` or op names.

    Returns:
        list[str]: Op names, all keys of :data:`OPS`, without duplicates.

    Raises:
        ValueError: Unknown op set or op name, duplicates, or an empty set.
    """
    if isinstance(op_set, str):
        if op_set not in OP_SETS:
            raise ValueError(f'unknown op set {op_set!r}; expected one of '
                             f'{sorted(OP_SETS)} or a list of op names')
        return list(OP_SETS[op_set])
    names = list(op_set)
    if not names:
        raise ValueError('op set is empty; expected at least one op name')
    unknown = [n for n in names if n not in OPS]
    if unknown:
        raise ValueError(f'unknown op name(s) {unknown}; expected names from '
                         f'{sorted(OPS)}')
    if len(set(names)) != len(names):
        raise ValueError(f'op set {names} lists an op more than once')
    return names


def split_leading_relu(op: nn.Module) -> Optional[Callable[[Tensor], Tensor]]:
    """The rest of ``op`` after its leading ReLU, if it starts with one.

    Several candidates of an edge (and the edges leaving one node state) all
    begin with ``ReLU(x)``; a mixed op computes it once and feeds the rest of
    each such candidate (DARTS' ReLU-Conv-BN order makes this exact).

    Args:
        op (nn.Module): A candidate built by :func:`build_op`.

    Returns:
        Callable | None: ``rest`` with ``rest(relu(x)) == op(x)``; ``None``
        when ``op`` does not start with a ReLU (pools, identity, zero).
    """
    if isinstance(op, (ReLUConvBN, DilConv)):
        op = op.op
    if isinstance(op, SepConv):
        first, second = op.op
        rest_first = split_leading_relu(first)
        return lambda x: second(rest_first(x))
    if isinstance(op, FactorizedReduce):
        return op.forward_after_relu
    if isinstance(op, nn.Sequential) and len(op) > 1 and \
            isinstance(op[0], nn.ReLU):
        rest = tuple(op)[1:]

        def run(x: Tensor) -> Tensor:
            for module in rest:
                x = module(x)
            return x

        return run
    return None


def build_op(name: str, in_channels: int, out_channels: int, stride: int = 1,
             affine: bool = True) -> nn.Module:
    """Build candidate ``name`` mapping C_in to C_out channels with ``stride``.

    Raises:
        ValueError: Unknown op name or unsupported stride.
    """
    if name not in OPS:
        raise ValueError(f'unknown op {name!r}; expected one of {sorted(OPS)}')
    if stride not in (1, 2):
        raise ValueError(f'op {name!r}: stride must be 1 or 2, got {stride}')
    return OPS[name](in_channels, out_channels, stride, affine)
