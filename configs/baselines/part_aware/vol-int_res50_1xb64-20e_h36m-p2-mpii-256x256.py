# The part-aware NAS paper's ResNet-50 baseline: the integral regression
# network (configs/_base_/models/integral_res50_deconv.py: ResNet-50, three
# deconvs, 1x1 conv to 18 x 64 depth bins) retrained at the part-aware
# retraining settings (configs/_base_/models/part_aware_nas_c10r5f3_256x256.py:
# Adam 1e-3, batch 64, 20 epochs, x0.1 at 12 and 16) on the same data and
# augmentation (h36m-p2_mpii_volumetric_256x256.py: P2 + MPII 1:1 per batch,
# flip, rotation +-30 deg, colour jitter, synthetic occlusion).
_base_ = [
    '../../_base_/default_runtime.py',
    '../../_base_/datasets/h36m-p2_mpii_volumetric_256x256.py',
    '../../_base_/models/integral_res50_deconv.py'
]
train_cfg = dict(max_epochs=20, val_interval=2)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[12, 16], gamma=0.1)
]
train_dataloader = dict(batch_size=64)
model = dict(head=dict(decoder={{_base_.codec}}))
default_hooks = dict(
    checkpoint=dict(
        type='CheckpointHook', interval=1, max_keep_ckpts=3,
        save_best='MPJPE', rule='less'))
