# Retrain the derived part-aware network (seed settings) on Human3.6M
# Protocol 1 (S1, S5, S6, S7, S8, S9 + MPII 2D); PA-MPJPE on every 64th frame
# of S11.
#   --cfg-options model.backbone.genotype=work_dirs/<search>/genotype.json
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/datasets/h36m-p1_mpii_volumetric_256x256.py',
    '../_base_/models/part_aware_nas_c10r5f3_256x256.py'
]
train_cfg = dict(max_epochs=20, val_interval=2)
train_dataloader = dict(batch_size=64)
model = dict(head=dict(decoder={{_base_.codec}}))
default_hooks = dict(
    checkpoint=dict(
        type='CheckpointHook', interval=1, max_keep_ckpts=3,
        save_best='PA-MPJPE', rule='less'))
