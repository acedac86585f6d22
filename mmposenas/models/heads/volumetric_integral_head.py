"""Volumetric integral regression head for monocular 3D pose."""
from typing import Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn as nn
from mmcv.cnn import build_conv_layer
from mmpose.evaluation.functional import keypoint_pck_accuracy
from mmpose.models.heads.base_head import BaseHead
from mmpose.models.utils.tta import flip_coordinates
from mmpose.registry import KEYPOINT_CODECS, MODELS
from mmpose.utils.tensor_utils import to_numpy
from mmpose.utils.typing import (ConfigType, OptConfigType, OptSampleList,
                                 Predictions)
from torch import Tensor

from ..utils.soft_argmax import soft_argmax_3d


@MODELS.register_module()
class VolumetricIntegralHead(BaseHead):
    """Integral (soft-argmax) regression over per-joint 3D volumes.

    The last backbone feature map ``(B, K*D, H, W)`` is read as ``K``
    volumes of ``D`` depth bins (channel ``k * D + d`` is depth bin ``d`` of
    joint ``k``), softmax is taken over each whole volume and the 3D
    soft-argmax gives normalised ``(x, y, z)`` coordinates in the
    centre-of-voxel convention of
    :class:`mmposenas.codecs.VolumetricIntegralLabel`.  The loss is L1 on
    these normalised coordinates; samples whose labels carry no depth
    (``keypoint_depth_weights == 0``, e.g. MPII/COCO) supervise ``x, y``
    only.

    Args:
        in_channels (int): Channels of the last backbone (or neck) feature
            map. Must equal ``num_keypoints * depth_bins`` unless
            ``deconv_out_channels`` / ``final_layer`` map them.
        num_keypoints (int): Number of joints ``K``.
        depth_bins (int): Number of depth bins ``D`` of each volume.
        deconv_out_channels (sequence[int], optional): Output channels of
            stride-2 transposed convolutions (each followed by BN and ReLU)
            applied to the last feature map first, as in Sun et al.'s
            integral regression (``(256, 256, 256)``: 8x upsampling). Needs
            a ``final_layer``. ``None`` (default) or ``()``: no deconvs.
        deconv_kernel_sizes (sequence[int]): Kernel sizes of the transposed
            convolutions (4, 3 or 2; each doubles the resolution). Defaults
            to 4 for each.
        final_layer (dict, optional): Config of a conv layer mapping
            ``in_channels`` (or the last deconv's channels) to ``K * D``
            (e.g. ``dict(kernel_size=1)``). ``None`` uses the feature map as
            it is. Defaults to ``None``.
        beta (float): Inverse softmax temperature. Defaults to 1.
        loss (dict): Config of the coordinate loss, called as
            ``loss(pred (B, K, 3), target (B, K, 3), weight (B, K, 3))``.
            Defaults to ``dict(type='L1Loss', use_target_weight=True)``.
        decoder (dict, optional): Codec config used to decode predictions,
            normally the same ``VolumetricIntegralLabel`` as the encoder.
        intermediate_weights (sequence[float], optional): Intermediate
            supervision: the backbone returns extra ``(B, K*D, h, w)`` volume
            maps before the last one (e.g. ``PartAwareNASBackbone`` with
            ``intermediate_supervision=True``, one per non-final fusion cell,
            at lower resolutions); each gets the same L1 loss with this
            weight (``loss_kpt_aux{i}``). Normalised coordinates do not depend
            on the resolution, so every scale shares the labels. Prediction
            uses the last map only.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: int,
                 num_keypoints: int,
                 depth_bins: int,
                 deconv_out_channels: Optional[Sequence[int]] = None,
                 deconv_kernel_sizes: Optional[Sequence[int]] = None,
                 final_layer: OptConfigType = None,
                 beta: float = 1.0,
                 loss: ConfigType = dict(
                     type='L1Loss', use_target_weight=True),
                 decoder: OptConfigType = None,
                 intermediate_weights: Optional[Sequence[float]] = None,
                 init_cfg: OptConfigType = None) -> None:
        super().__init__(init_cfg)
        if num_keypoints <= 0 or depth_bins <= 0:
            raise ValueError('VolumetricIntegralHead: num_keypoints and '
                             'depth_bins must be positive, got '
                             f'{num_keypoints} and {depth_bins}')
        self.in_channels = in_channels
        self.num_keypoints = num_keypoints
        self.depth_bins = depth_bins
        self.beta = beta
        out_channels = num_keypoints * depth_bins

        deconv_out_channels = list(deconv_out_channels or [])
        if deconv_kernel_sizes is None:
            deconv_kernel_sizes = [4] * len(deconv_out_channels)
        if len(deconv_kernel_sizes) != len(deconv_out_channels):
            raise ValueError(
                'VolumetricIntegralHead: deconv_kernel_sizes '
                f'{list(deconv_kernel_sizes)} must have one entry per '
                f'deconv_out_channels {deconv_out_channels}')
        if deconv_out_channels and final_layer is None:
            raise ValueError('VolumetricIntegralHead: deconv_out_channels '
                             'needs a final_layer (e.g. dict(kernel_size=1))'
                             ' mapping to num_keypoints * depth_bins')
        self.deconv_layers = self._make_deconv_layers(
            in_channels, deconv_out_channels, deconv_kernel_sizes)
        final_in = (deconv_out_channels[-1]
                    if deconv_out_channels else in_channels)

        if final_layer is not None:
            cfg = dict(
                type='Conv2d',
                in_channels=final_in,
                out_channels=out_channels,
                kernel_size=1)
            cfg.update(final_layer)
            self.final_layer = build_conv_layer(cfg)
        else:
            if in_channels != out_channels:
                raise ValueError(
                    'VolumetricIntegralHead: in_channels must be '
                    f'num_keypoints * depth_bins = {num_keypoints} * '
                    f'{depth_bins} = {out_channels} without a final_layer, '
                    f'got in_channels={in_channels}')
            self.final_layer = None

        self.intermediate_weights = [float(w) for w in
                                     (intermediate_weights or [])]
        self.loss_module = MODELS.build(loss)
        self.decoder = (
            KEYPOINT_CODECS.build(decoder) if decoder is not None else None)

    @staticmethod
    def _make_deconv_layers(in_channels: int, out_channels: Sequence[int],
                            kernel_sizes: Sequence[int]) -> nn.Module:
        """Stride-2 transposed conv + BN + ReLU per entry (2x each)."""
        # kernel size -> (padding, output_padding) giving exactly 2x
        paddings = {4: (1, 0), 3: (1, 1), 2: (0, 0)}
        layers = []
        for channels, k in zip(out_channels, kernel_sizes):
            if k not in paddings:
                raise ValueError('VolumetricIntegralHead: deconv kernel '
                                 f'size must be 2, 3 or 4, got {k}')
            pad, out_pad = paddings[k]
            layers += [
                nn.ConvTranspose2d(in_channels, channels, k, stride=2,
                                   padding=pad, output_padding=out_pad,
                                   bias=False),
                nn.BatchNorm2d(channels),
                nn.ReLU(inplace=True)
            ]
            in_channels = channels
        return nn.Sequential(*layers)

    def volumes(self, feats: Union[Tensor, Tuple[Tensor]]) -> Tensor:
        """Reshape the last feature map into per-joint volumes.

        Args:
            feats (tuple[Tensor]): Backbone outputs; the last is
                ``(B, C, H, W)``.

        Returns:
            Tensor: Logits ``(B, K, D, H, W)`` in dataset joint order.
        """
        x = feats[-1] if isinstance(feats, (tuple, list)) else feats
        x = self.deconv_layers(x)
        if self.final_layer is not None:
            x = self.final_layer(x)
        return self._reshape_volumes(x)

    def _reshape_volumes(self, x: Tensor) -> Tensor:
        """(B, K*D, H, W) -> (B, K, D, H, W) in dataset joint order."""
        b, c, h, w = x.shape
        expected = self.num_keypoints * self.depth_bins
        if c != expected:
            raise ValueError(
                f'VolumetricIntegralHead expects (B, {expected}, H, W) '
                f'(K={self.num_keypoints} x D={self.depth_bins}), got '
                f'{tuple(x.shape)}')
        return x.reshape(b, self.num_keypoints, self.depth_bins, h, w)

    def forward(self, feats: Tuple[Tensor]) -> Tensor:
        """Regress normalised 3D coordinates.

        Args:
            feats (tuple[Tensor]): Backbone outputs; the last is
                ``(B, K*D, H, W)`` (or ``(B, in_channels, H, W)`` with a
                ``final_layer``).

        Returns:
            Tensor: ``(B, K, 3)`` normalised ``(x, y, z)`` in ``[0, 1]``.
        """
        return soft_argmax_3d(self.volumes(feats), beta=self.beta)

    def predict(self,
                feats: Union[Tuple[Tensor], list],
                batch_data_samples: OptSampleList,
                test_cfg: ConfigType = {}) -> Predictions:
        """Predict keypoints in input-crop space.

        With ``test_cfg['flip_test']`` the features are ``[orig, flipped]``
        (from :class:`mmpose.models.TopdownPoseEstimator`); the flipped
        prediction is mirrored (``x -> 1 - x``; the centre-of-voxel convention
        needs no shift and ``z`` is not negated), its left/right joints are
        swapped with the ``flip_indices`` of the data samples and it is
        averaged with the original one.

        Returns:
            list[InstanceData]: per sample ``keypoints`` ``(1, K, 3)``
            (``u, v`` in input pixels, root-relative depth in mm) and
            ``keypoint_scores`` ``(1, K)``.
        """
        if test_cfg.get('flip_test', False):
            if not (isinstance(feats, list) and len(feats) == 2):
                raise ValueError('flip_test expects feats = [orig, flipped]')
            flip_indices = batch_data_samples[0].metainfo['flip_indices']
            if len(flip_indices) != self.num_keypoints:
                raise ValueError(
                    f'flip_indices has {len(flip_indices)} entries, the head '
                    f'has {self.num_keypoints} keypoints')
            coords = self.forward(feats[0])
            coords_flip = flip_coordinates(
                self.forward(feats[1]),
                flip_indices=flip_indices,
                shift_coords=False,
                input_size=None)
            coords = (coords + coords_flip) * 0.5
        else:
            coords = self.forward(feats)
        return self.decode(coords.unsqueeze(1))  # (B, 1, K, 3)

    def loss(self,
             feats: Tuple[Tensor],
             batch_data_samples: OptSampleList,
             train_cfg: ConfigType = {}) -> dict:
        """L1 loss on normalised coordinates.

        Reads ``keypoint_labels`` ``(1, K, 3)``, ``keypoint_weights``
        ``(1, K)`` and ``keypoint_depth_weights`` ``(1, K)`` from each
        sample's ``gt_instance_labels`` (written by
        :class:`~mmposenas.codecs.VolumetricIntegralLabel`).

        Returns:
            dict: ``loss_kpt`` and ``acc_pose`` (2D PCK@0.05 of the crop).
        """
        pred = self.forward(feats)  # (B, K, 3)
        labels = torch.cat(
            [d.gt_instance_labels.keypoint_labels for d in batch_data_samples])
        weights = torch.cat([
            d.gt_instance_labels.keypoint_weights for d in batch_data_samples
        ])
        depth_weights = []
        for d in batch_data_samples:
            if 'keypoint_depth_weights' in d.gt_instance_labels:
                depth_weights.append(
                    d.gt_instance_labels.keypoint_depth_weights)
            else:
                depth_weights.append(
                    torch.zeros_like(d.gt_instance_labels.keypoint_weights))
        depth_weights = torch.cat(depth_weights)
        if labels.shape != pred.shape:
            raise ValueError(
                f'keypoint_labels {tuple(labels.shape)} do not match the '
                f'prediction {tuple(pred.shape)}; one instance per sample '
                'with (K, 3) labels is expected')
        coord_weights = torch.stack([weights, weights, depth_weights],
                                    dim=-1).to(pred)
        losses = dict(
            loss_kpt=self.loss_module(pred, labels.to(pred), coord_weights))
        if self.intermediate_weights:
            extra = list(feats[:-1]) if isinstance(feats, (tuple, list)) \
                else []
            if len(extra) != len(self.intermediate_weights):
                raise ValueError(
                    f'VolumetricIntegralHead: intermediate_weights has '
                    f'{len(self.intermediate_weights)} entries but the '
                    f'backbone returned {len(extra)} intermediate maps')
            for i, (x, w) in enumerate(zip(extra,
                                           self.intermediate_weights)):
                aux = soft_argmax_3d(self._reshape_volumes(x), beta=self.beta)
                losses[f'loss_kpt_aux{i}'] = w * self.loss_module(
                    aux, labels.to(aux), coord_weights)

        _, avg_acc, _ = keypoint_pck_accuracy(
            pred=to_numpy(pred[..., :2]),
            gt=to_numpy(labels[..., :2]),
            mask=to_numpy(weights) > 0,
            thr=0.05,
            norm_factor=np.ones((pred.size(0), 2), dtype=np.float32))
        losses['acc_pose'] = torch.tensor(avg_acc, device=pred.device)
        return losses
