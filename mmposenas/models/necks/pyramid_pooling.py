"""Pyramid Pooling Module (PSPNet) as a pose neck."""
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from mmpose.registry import MODELS
from torch import Tensor


@MODELS.register_module()
class PyramidPoolingNeck(BaseModule):
    """Global context from average pooling at several grid sizes (Zhao et al.,
    "Pyramid Scene Parsing Network").

    For every bin size ``b`` the last feature map ``(B, C, H, W)`` is
    average-pooled to ``(B, C, b, b)`` (adaptive pooling), reduced by a 1x1
    conv-BN-ReLU to ``branch_channels``, upsampled bilinearly back to
    ``(H, W)``; the input and all branches are concatenated along the
    channels. Output channels: ``C + len(bins) * branch_channels``
    (:attr:`out_channels`). Only the last feature map is changed; earlier
    ones pass through.

    Args:
        in_channels (int): Channels ``C`` of the last feature map.
        bins (sequence[int]): Pooled grid sizes. Defaults to ``(1, 2, 3, 6)``
            (PSPNet); e.g. ``(1, 6, 12, 18)`` or ``(1, 2, 3, 6, 12, 18)``.
        branch_channels (int, optional): Channels of each pooled branch.
            ``None`` uses ``in_channels // len(bins)``, so the pooled
            branches together add about ``in_channels`` channels whatever
            the number of bins. Defaults to ``None``.
        norm_cfg (dict): Norm layer of the branches. Defaults to BN.
        act_cfg (dict): Activation of the branches. Defaults to ReLU.
        align_corners (bool): ``align_corners`` of the bilinear upsampling.
            Defaults to ``False``.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: int,
                 bins: Sequence[int] = (1, 2, 3, 6),
                 branch_channels: Optional[int] = None,
                 norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='ReLU'),
                 align_corners: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        bins = [int(b) for b in bins]
        if not bins or min(bins) < 1:
            raise ValueError('PyramidPoolingNeck: bins must be a non-empty '
                             f'list of positive grid sizes, got {bins}')
        if branch_channels is None:
            branch_channels = in_channels // len(bins)
        if branch_channels < 1:
            raise ValueError(
                'PyramidPoolingNeck: branch_channels must be >= 1, got '
                f'{branch_channels} (in_channels={in_channels}, '
                f'{len(bins)} bins)')
        self.in_channels = in_channels
        self.bins = bins
        self.branch_channels = branch_channels
        self.align_corners = align_corners
        self.out_channels = in_channels + len(bins) * branch_channels
        self.branches = nn.ModuleList(
            ConvModule(in_channels, branch_channels, 1, norm_cfg=norm_cfg,
                       act_cfg=act_cfg) for _ in bins)

    def pool_branch(self, x: Tensor, index: int) -> Tensor:
        """Branch ``index`` before upsampling.

        Args:
            x (Tensor): ``(B, C, H, W)``.

        Returns:
            Tensor: ``(B, branch_channels, b, b)`` for bin size ``b``.
        """
        return self.branches[index](F.adaptive_avg_pool2d(x, self.bins[index]))

    def forward(self, feats: Union[Tensor, Tuple[Tensor]]) -> Tuple[Tensor]:
        """Append the pyramid-pooled context to the last feature map.

        Args:
            feats (Tensor | tuple[Tensor]): Backbone outputs; the last is
                ``(B, in_channels, H, W)``.

        Returns:
            tuple[Tensor]: The same outputs with the last replaced by
            ``(B, out_channels, H, W)``.
        """
        feats = tuple(feats) if isinstance(feats, (tuple, list)) else (
            feats, )
        x = feats[-1]
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(
                f'PyramidPoolingNeck expects (B, {self.in_channels}, H, W), '
                f'got {tuple(x.shape)}')
        size = x.shape[-2:]
        outs = [x] + [
            F.interpolate(self.pool_branch(x, i), size=size, mode='bilinear',
                          align_corners=self.align_corners)
            for i in range(len(self.bins))
        ]
        return feats[:-1] + (torch.cat(outs, dim=1), )
