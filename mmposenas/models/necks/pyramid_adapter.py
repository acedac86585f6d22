"""Adapt a backbone's feature pyramid to the channels a fabric expects."""
from typing import Optional, Sequence, Tuple

import torch.nn as nn
from mmengine.model import BaseModule
from mmpose.registry import MODELS
from torch import Tensor


@MODELS.register_module()
class PyramidAdapter(BaseModule):
    """One 1×1 convolution per pyramid level (PoseNFS's backbone-to-CNF link).

    Maps the multi-scale outputs of any MMPose backbone (e.g. MobileNetV2
    with ``out_indices=(1, 2, 4, 5)``: 24, 32, 96, 160 channels at 1/4 ...
    1/32) to the node channels of a cell-based neural fabric
    (``4C, 8C, 16C, 32C``). Levels whose channels already match are passed
    through unchanged when ``skip_identity`` is set.

    Args:
        in_channels (Sequence[int]): Channels of each input level.
        out_channels (Sequence[int]): Channels of each output level.
        bias (bool): Bias in the 1×1 convolutions (PoseNFS: yes).
        norm (bool): BatchNorm after each convolution.
        skip_identity (bool): No convolution where in == out channels.
        init_cfg (dict, optional): MMEngine initialisation config.
    """

    def __init__(self, in_channels: Sequence[int],
                 out_channels: Sequence[int], bias: bool = True,
                 norm: bool = False, skip_identity: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if len(in_channels) != len(out_channels):
            raise ValueError(f'PyramidAdapter: in_channels has '
                             f'{len(in_channels)} levels, out_channels '
                             f'{len(out_channels)}; they must match')
        self.in_channels = [int(c) for c in in_channels]
        self.out_channels = [int(c) for c in out_channels]
        self.convs = nn.ModuleList()
        for ci, co in zip(self.in_channels, self.out_channels):
            if skip_identity and ci == co:
                self.convs.append(nn.Identity())
                continue
            layers = [nn.Conv2d(ci, co, 1, bias=bias)]
            if norm:
                layers.append(nn.BatchNorm2d(co))
            self.convs.append(nn.Sequential(*layers))

    def forward(self, feats: Sequence[Tensor]) -> Tuple[Tensor, ...]:
        """Adapt every level.

        Args:
            feats (Sequence[Tensor]): L tensors (B, in_channels[l], H_l, W_l).

        Returns:
            tuple[Tensor]: L tensors (B, out_channels[l], H_l, W_l).
        """
        if len(feats) != len(self.convs):
            raise ValueError(f'PyramidAdapter expects {len(self.convs)} '
                             f'levels, got {len(feats)}')
        for level, (x, ci) in enumerate(zip(feats, self.in_channels)):
            if x.shape[1] != ci:
                raise ValueError(f'PyramidAdapter: level {level} has '
                                 f'{x.shape[1]} channels, expected {ci}')
        return tuple(conv(x) for conv, x in zip(self.convs, feats))
