"""Vector-in-pixel head of PoseNFS: per-part keypoint vectors, squashed."""
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmpose.models.heads import HeatmapHead
from mmpose.registry import MODELS
from torch import Tensor

from mmposenas.parts.body_part_tables import resolve_body_parts

MODES = ('conv2d', 'conv3d')
MERGES = ('mean', 'sum')


def squash_length(vectors: Tensor, dim: int = 2) -> Tensor:
    """Length of the squashed vector, ``|v|² / (1 + |v|²)`` (PoseNFS Eq. 5).

    Computed from the squared norm (no square root, so the gradient is
    finite at ``v = 0``). Values lie in [0, 1) and grow monotonically with
    ``|v|``.

    Args:
        vectors (Tensor): (..., d, ...) vectors along ``dim``.
        dim (int): The vector dimension.

    Returns:
        Tensor: The input shape without ``dim``.
    """
    n2 = vectors.square().sum(dim=dim)
    return n2 / (1.0 + n2)


class PartVectorLayer(nn.Module):
    """Vectors of the J keypoints of one part at every pixel.

    ``'conv2d'`` (paper): ReLU, 1×1 conv C -> J·d, split into J vectors.
    ``'conv3d'`` (official code's alternative): 1×1 conv C -> C·d and ReLU,
    read as a (C, d, H, W) volume, 1×1×1 conv3d C -> J.

    Args:
        in_channels (int): C of the part representation.
        num_joints (int): J.
        vector_dim (int): d.
        mode (str): ``'conv2d'`` or ``'conv3d'``.
    """

    def __init__(self, in_channels: int, num_joints: int, vector_dim: int,
                 mode: str = 'conv2d') -> None:
        super().__init__()
        self.num_joints, self.vector_dim, self.mode = (num_joints, vector_dim,
                                                       mode)
        if mode == 'conv2d':
            self.layers = nn.Sequential(
                nn.ReLU(), nn.Conv2d(in_channels, num_joints * vector_dim, 1))
        else:
            self.layers = nn.Sequential(
                nn.Conv2d(in_channels, in_channels * vector_dim, 1), nn.ReLU())
            self.conv3d = nn.Conv3d(in_channels, num_joints, 1)

    def forward(self, x: Tensor) -> Tensor:
        """(B, C, H, W) -> vectors (B, J, d, H, W)."""
        b, c, h, w = x.shape
        y = self.layers(x)
        if self.mode == 'conv2d':
            return y.view(b, self.num_joints, self.vector_dim, h, w)
        y = self.conv3d(y.view(b, c, self.vector_dim, h, w))
        return y  # (B, J, d, H, W)


@MODELS.register_module()
class VectorInPixelHead(HeatmapHead):
    """Keypoint score maps from P part representations (PoseNFS Sec. III-D).

    Part ``p`` predicts a d-dim vector per pixel for each of its J_p joints;
    the squashed length (Eq. 5) is the joint's score. Score maps of joints
    predicted by several parts (overlapping P = 8 tables) are merged by mean
    (or sum, Eq. 7). The K merged maps are trained with MMPose's heatmap loss
    and decoded with the codec exactly like :class:`HeatmapHead` (flip test
    included).

    Args:
        in_channels (int | Sequence[int]): Channels of every / each part
            representation.
        out_channels (int): K joints.
        parts (str | list | dict): Body parts, as the backbone's.
        dataset (str, optional): Dataset of parts given by joint name.
        vector_dim (int): d (1 = plain heatmap regression through the squash).
        mode (str): ``'conv2d'`` or ``'conv3d'``.
        merge (str): ``'mean'`` or ``'sum'`` for shared joints.
        loss (dict): Loss config.
        decoder (dict, optional): Codec config.
        init_cfg (dict, optional): MMEngine initialisation config.
    """

    def __init__(self, in_channels: Union[int, Sequence[int]],
                 out_channels: int,
                 parts: Union[str, Sequence, dict] = 'coco_p3',
                 dataset: Optional[str] = None, vector_dim: int = 8,
                 mode: str = 'conv2d', merge: str = 'mean',
                 loss: dict = dict(type='KeypointMSELoss',
                                   use_target_weight=True),
                 decoder: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if mode not in MODES:
            raise ValueError(f'VectorInPixelHead: mode must be one of {MODES},'
                             f' got {mode!r}')
        if merge not in MERGES:
            raise ValueError(f'VectorInPixelHead: merge must be one of '
                             f'{MERGES}, got {merge!r}')
        if vector_dim < 1:
            raise ValueError(f'VectorInPixelHead: vector_dim must be >= 1, '
                             f'got {vector_dim}')
        body_parts = resolve_body_parts(parts, dataset)
        if body_parts.num_keypoints != out_channels:
            raise ValueError(f'VectorInPixelHead: out_channels={out_channels} '
                             f'but the parts cover {body_parts.num_keypoints} '
                             f'joints')
        super().__init__(in_channels=in_channels, out_channels=out_channels,
                         deconv_out_channels=None, conv_out_channels=None,
                         final_layer=None, loss=loss, decoder=decoder,
                         init_cfg=init_cfg)
        num_parts = body_parts.num_parts
        channels = [in_channels] * num_parts if isinstance(in_channels, int) \
            else list(in_channels)
        if len(channels) != num_parts:
            raise ValueError(f'VectorInPixelHead: {len(channels)} in_channels '
                             f'for {num_parts} parts')
        self.body_parts = body_parts
        self.vector_dim, self.mode, self.merge = vector_dim, mode, merge
        self.part_layers = nn.ModuleList([
            PartVectorLayer(c, len(g), vector_dim, mode)
            for c, g in zip(channels, body_parts.groups)
        ])
        self.register_buffer(
            'part_index',
            torch.tensor([k for g in body_parts.groups for k in g]),
            persistent=False)
        self.register_buffer(
            'coverage', torch.tensor(body_parts.coverage(),
                                     dtype=torch.float32),
            persistent=False)

    @property
    def default_init_cfg(self):
        return [dict(type='Normal', layer=['Conv2d', 'Conv3d'], std=0.01,
                     bias=0.)]

    def part_scores(self, feats: Sequence[Tensor]) -> Tuple[Tensor, ...]:
        """Squashed lengths per part: P tensors (B, J_p, H, W) in [0, 1)."""
        if len(feats) != len(self.part_layers):
            raise ValueError(f'VectorInPixelHead expects '
                             f'{len(self.part_layers)} part representations, '
                             f'got {len(feats)}')
        return tuple(squash_length(layer(x))
                     for layer, x in zip(self.part_layers, feats))

    def forward(self, feats: Sequence[Tensor]) -> Tensor:
        """Merge the part scores into K maps.

        Args:
            feats (Sequence[Tensor]): P tensors (B, C_p, H, W).

        Returns:
            Tensor: (B, K, H, W) keypoint score maps.
        """
        scores = torch.cat(self.part_scores(feats), dim=1)
        b, _, h, w = scores.shape
        out = scores.new_zeros(b, self.out_channels, h, w)
        out = out.index_add(1, self.part_index, scores)
        if self.merge == 'mean':
            out = out / self.coverage.view(1, -1, 1, 1)
        return out
