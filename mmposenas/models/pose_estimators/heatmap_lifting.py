"""2D heatmaps + 2D-to-3D lifting (Martinez et al. 2017), separate or joint."""
from typing import Dict, Optional, Tuple

import numpy as np
import torch
from mmengine.model import BaseModel
from mmengine.structures import InstanceData
from mmpose.registry import MODELS
from mmpose.utils.typing import ConfigType, OptConfigType, SampleList
from torch import Tensor

from ..utils.soft_argmax import soft_argmax_3d


@MODELS.register_module()
class HeatmapLiftingEstimator(BaseModel):
    """A 2D heatmap network followed by a 2D-to-3D lifting network.

    ``pose2d`` is an MMPose ``TopdownPoseEstimator`` (e.g. ResNet-50 +
    ``HeatmapHead``, 64x64 heatmaps for a 256x256 crop) and ``lifter`` an
    MMPose ``PoseLifter`` (e.g. ``TCN`` with kernel sizes 1: linear 1024, two
    residual blocks of linear-BN-ReLU-dropout; ``TemporalRegressionHead`` to
    ``3 (K - 1)``) whose head decoder is a
    :class:`~mmposenas.codecs.NormalisedImagePoseLifting` holding the
    training-set statistics. The chain is differentiable:

    1. heatmaps ``(B, K, h, w)`` -> 2D soft-argmax (the shared 3D soft-argmax
       on a depth-1 volume, inverse temperature ``beta``) -> heatmap pixels
       (voxel centres) -> crop pixels (``x * stride``, the ``MSRAHeatmap``
       convention) -> image pixels (``input_center``, ``input_scale``);
    2. normalised with the 2D statistics, flattened ``(B, 2K, 1)`` as
       ``ImagePoseLifting`` does, lifted, de-normalised with the 3D
       statistics: root-relative camera coordinates in mm.

    Two uses (see configs/baselines/lifting):

    - separate: ``pose2d`` and ``lifter`` are trained on their own (the
      lifter on ground-truth 2D); ``tools/analysis/combine_lifting_
      checkpoints.py`` merges the checkpoints and ``tools/test.py`` runs this
      model on images;
    - joint: trained end to end with ``L = L_3d + lambda_2d * L_2d``:
      ``L_3d`` is the lifter head's loss on the normalised root-relative
      targets, ``L_2d`` the heatmap head's loss; the 3D loss reaches the 2D
      network through the soft-argmax.

    The ground truth 3D joints are read from each sample's metainfo
    ``lifting_target`` ``(1, K, 3)`` (mm) and ``lifting_target_visible``;
    pack both with ``PackPoseInputs(meta_keys=...)``. Predictions are
    ``pred_instances.keypoints`` ``(1, K, 3)`` in camera mm relative to the
    root (evaluate with ``RootRelativeMPJPE(pred_space='camera')``) and
    ``pred_instances.keypoints_2d`` ``(1, K, 2)`` in image pixels.

    Args:
        pose2d (dict): ``TopdownPoseEstimator`` config with a heatmap head.
        lifter (dict): ``PoseLifter`` config whose head has a
            ``NormalisedImagePoseLifting``-like decoder (with statistics).
        lambda_2d (float): Weight of the 2D heatmap loss. Defaults to 0.01.
        beta (float): Inverse temperature of the 2D soft-argmax (heatmaps
            are in [0, 1], so a large value is needed to localise).
            Defaults to 30.
        data_preprocessor (dict, optional): Image preprocessor.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 pose2d: ConfigType,
                 lifter: ConfigType,
                 lambda_2d: float = 0.01,
                 beta: float = 30.0,
                 data_preprocessor: OptConfigType = None,
                 init_cfg: OptConfigType = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        self.pose2d = MODELS.build(pose2d)
        self.lifter = MODELS.build(lifter)
        codec = getattr(self.lifter.head, 'decoder', None)
        if codec is None or getattr(codec, 'keypoints_mean', None) is None \
                or getattr(codec, 'target_mean', None) is None:
            raise ValueError(
                'HeatmapLiftingEstimator: lifter.head.decoder must be a '
                'lifting codec with keypoints_mean/std and target_mean/std '
                '(e.g. NormalisedImagePoseLifting with a stats_file)')
        if len(codec.root_index) != 1:
            raise ValueError('HeatmapLiftingEstimator needs a single root '
                             f'joint, got root_index={codec.root_index}')
        self.root_index = int(codec.root_index[0])
        self.remove_root = bool(codec.remove_root)
        self.num_keypoints = int(codec.num_keypoints)
        self.lambda_2d = float(lambda_2d)
        self.beta = float(beta)
        for name in ('keypoints_mean', 'keypoints_std', 'target_mean',
                     'target_std'):
            value = torch.as_tensor(np.asarray(getattr(codec, name)),
                                    dtype=torch.float32)[0]
            self.register_buffer(name, value, persistent=False)

    # ------------------------------------------------------------------
    # the differentiable chain
    # ------------------------------------------------------------------
    def heatmaps_to_image(self, heatmaps: Tensor, input_size: Tensor,
                          centre: Tensor, scale: Tensor) -> Tensor:
        """Soft-argmax 2D joints in image pixels.

        Args:
            heatmaps (Tensor): ``(B, K, h, w)``.
            input_size (Tensor): ``(2,)`` crop size ``(w, h)`` in pixels.
            centre (Tensor): ``(B, 2)`` crop centres in image pixels.
            scale (Tensor): ``(B, 2)`` crop sizes in image pixels.

        Returns:
            Tensor: ``(B, K, 2)`` image pixels.
        """
        coords = soft_argmax_3d(heatmaps.unsqueeze(2), beta=self.beta)[..., :2]
        hm_size = coords.new_tensor(heatmaps.shape[-1:-3:-1])  # (w, h)
        crop = (coords * hm_size - 0.5) * (input_size / hm_size)
        return crop / input_size * scale[:, None] + centre[:, None] \
            - 0.5 * scale[:, None]

    def lift(self, keypoints_2d: Tensor) -> Tensor:
        """Normalise, lift and de-normalise.

        Args:
            keypoints_2d (Tensor): ``(B, K, 2)`` image pixels.

        Returns:
            Tensor: ``(B, K', 3)`` normalised lifter output (``K' = K - 1``
            with ``remove_root``).
        """
        x = (keypoints_2d - self.keypoints_mean) / self.keypoints_std
        x = x.flatten(1).unsqueeze(-1)  # (B, 2K, 1), ImagePoseLifting layout
        return self.lifter.head.forward(self.lifter.extract_feat(x))

    def denormalise(self, pred: Tensor) -> Tensor:
        """``(B, K', 3)`` normalised -> ``(B, K, 3)`` root-relative mm."""
        joints = pred * self.target_std + self.target_mean
        if self.remove_root:
            root = joints.new_zeros(joints.shape[0], 1, 3)
            joints = torch.cat([
                joints[:, :self.root_index], root, joints[:, self.root_index:]
            ], dim=1)
        return joints

    def normalised_targets(self, data_samples: SampleList,
                           device: torch.device) -> Tuple[Tensor, Tensor]:
        """Normalised root-relative targets ``(B, K', 3)`` and weights
        ``(B, K')`` from the samples' ``lifting_target`` metainfo."""
        targets, weights = [], []
        for d in data_samples:
            if 'lifting_target' not in d.metainfo:
                raise KeyError(
                    'HeatmapLiftingEstimator needs lifting_target (and '
                    'lifting_target_visible) in the PackPoseInputs meta_keys')
            t = np.asarray(d.metainfo['lifting_target'],
                           dtype=np.float32).reshape(-1, 3)
            v = np.asarray(
                d.metainfo.get('lifting_target_visible', np.ones(len(t))),
                dtype=np.float32).reshape(-1)
            if len(t) != self.num_keypoints:
                raise ValueError(
                    f'lifting_target has {len(t)} joints, the lifting codec '
                    f'{self.num_keypoints}')
            t = t - t[self.root_index]
            if self.remove_root:
                t = np.delete(t, self.root_index, axis=0)
                v = np.delete(v, self.root_index, axis=0)
            targets.append(t)
            weights.append(v)
        t = torch.as_tensor(np.stack(targets), device=device)
        w = torch.as_tensor(np.stack(weights), device=device)
        return (t - self.target_mean) / self.target_std, w

    def _crop_geometry(self, data_samples: Optional[SampleList],
                       heatmaps: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        """Crop size ``(2,)``, centres ``(B, 2)`` and scales ``(B, 2)`` from
        the samples' ``input_size``/``input_center``/``input_scale``."""
        b = heatmaps.shape[0]
        if not data_samples:
            raise ValueError('HeatmapLiftingEstimator needs data samples '
                             'with input_size/input_center/input_scale')
        size = heatmaps.new_tensor(np.asarray(
            data_samples[0].metainfo['input_size'], dtype=np.float32))
        centre = heatmaps.new_tensor(np.stack([
            np.asarray(d.metainfo['input_center'], np.float32).reshape(2)
            for d in data_samples
        ]))
        scale = heatmaps.new_tensor(np.stack([
            np.asarray(d.metainfo['input_scale'], np.float32).reshape(2)
            for d in data_samples
        ]))
        if centre.shape != (b, 2):
            raise ValueError(f'{len(data_samples)} data samples for a batch '
                             f'of {b} heatmaps')
        return size, centre, scale

    # ------------------------------------------------------------------
    # MMEngine model API
    # ------------------------------------------------------------------
    def forward(self, inputs: Tensor, data_samples: Optional[SampleList] = None,
                mode: str = 'tensor'):
        if isinstance(inputs, list):
            inputs = torch.stack(inputs)
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self._forward(inputs)
        raise RuntimeError(f'Invalid mode {mode!r}; expected loss, predict '
                           'or tensor')

    def _forward(self, inputs: Tensor) -> Tensor:
        """Heatmaps -> lifted normalised joints, taking the crop as the
        image (``input_size`` = input shape): the network's compute, for
        FLOP counting."""
        heatmaps = self.pose2d._forward(inputs)
        h, w = inputs.shape[-2:]
        size = heatmaps.new_tensor([w, h])
        b = inputs.shape[0]
        centre = size.expand(b, 2) / 2
        return self.lift(
            self.heatmaps_to_image(heatmaps, size, centre, size.expand(b, 2)))

    def loss(self, inputs: Tensor, data_samples: SampleList) -> Dict[str,
                                                                     Tensor]:
        """``loss_pose3d`` (lifter loss on normalised targets) and
        ``loss_kpt`` (``lambda_2d`` x heatmap loss)."""
        feats = self.pose2d.extract_feat(inputs)
        heatmaps = self.pose2d.head.forward(feats)
        size, centre, scale = self._crop_geometry(data_samples, heatmaps)
        pred = self.lift(self.heatmaps_to_image(heatmaps, size, centre, scale))
        target, weight = self.normalised_targets(data_samples, pred.device)
        losses = dict(
            loss_pose3d=self.lifter.head.loss_module(pred, target,
                                                     weight.unsqueeze(-1)))
        if self.lambda_2d > 0:
            gt = torch.stack([d.gt_fields.heatmaps for d in data_samples])
            kw = torch.cat([
                d.gt_instance_labels.keypoint_weights for d in data_samples
            ])
            losses['loss_kpt'] = self.lambda_2d * self.pose2d.head.loss_module(
                heatmaps, gt, kw)
        with torch.no_grad():
            err = (self.denormalise(pred) - self.denormalise(target)).norm(
                dim=-1)
            losses['mpjpe_mm'] = err.mean()
        return losses

    def predict(self, inputs: Tensor, data_samples: SampleList) -> SampleList:
        """Root-relative camera-space joints (mm) per sample."""
        heatmaps = self.pose2d._forward(inputs)
        size, centre, scale = self._crop_geometry(data_samples, heatmaps)
        kpts_2d = self.heatmaps_to_image(heatmaps, size, centre, scale)
        joints = self.denormalise(self.lift(kpts_2d))
        joints_np = joints.detach().cpu().numpy()
        kpts_np = kpts_2d.detach().cpu().numpy()
        for i, d in enumerate(data_samples):
            d.pred_instances = InstanceData(
                keypoints=joints_np[i:i + 1],
                keypoint_scores=np.ones((1, joints_np.shape[1]), np.float32),
                keypoints_2d=kpts_np[i:i + 1])
        return data_samples
