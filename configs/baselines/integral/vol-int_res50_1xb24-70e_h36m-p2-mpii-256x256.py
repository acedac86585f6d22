# Integral regression baseline (configs/_base_/models/integral_res50_deconv.py)
# on Human3.6M Protocol 2 + MPII (1:1 per batch) with flip, colour scaling and
# synthetic occlusion; batch 24 (the seed report's baseline settings).
# Reference (seed report): MPJPE 49.6 mm (P2); 34.27 M parameters (17 joints).
_base_ = [
    '../../_base_/default_runtime.py',
    '../../_base_/datasets/h36m-p2_mpii_integral-aug_256x256.py',
    '../../_base_/models/integral_res50_deconv.py'
]
train_cfg = dict(by_epoch=True, max_epochs=70, val_interval=5)
randomness = dict(seed=0)
train_dataloader = dict(batch_size=24)
auto_scale_lr = dict(base_batch_size=24)
model = dict(head=dict(decoder={{_base_.codec}}))
default_hooks = dict(
    checkpoint=dict(
        type='CheckpointHook', interval=5, max_keep_ckpts=2,
        save_best='MPJPE', rule='less'))
