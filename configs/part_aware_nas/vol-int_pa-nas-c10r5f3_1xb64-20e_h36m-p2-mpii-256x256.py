# Retrain the derived part-aware network (seed settings) on Human3.6M
# Protocol 2 + MPII 2D: flip, rotation +-30 deg, colour jitter and synthetic
# occlusion (dataset base). MPJPE on every 64th frame of S9, S11.
#   --cfg-options model.backbone.genotype=work_dirs/<search>/genotype.json
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/datasets/h36m-p2_mpii_volumetric_256x256.py',
    '../_base_/models/part_aware_nas_c10r5f3_256x256.py'
]
train_cfg = dict(max_epochs=20, val_interval=2)
train_dataloader = dict(batch_size=64)
model = dict(head=dict(decoder={{_base_.codec}}))
default_hooks = dict(
    checkpoint=dict(
        type='CheckpointHook', interval=1, max_keep_ckpts=3,
        save_best='MPJPE', rule='less'))
