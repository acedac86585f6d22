# The seed report's final model: ResNet-152 + Pyramid Pooling Module (bins 1,
# 2, 3, 6) + three deconvs + 1x1 conv to 72 depth bins, 288 (w) x 384 (h)
# crops, batch 14, flip / colour scaling / VOC occlusion, Adam 1e-4 x0.1 at
# 40 and 60, 70 epochs (volumes 72 x 96 x 72).
_base_ = [
    '../../_base_/default_runtime.py',
    '../../_base_/datasets/h36m-p2_mpii_integral-aug_384x288.py',
    '../../_base_/models/integral_res50_deconv.py'
]
train_cfg = dict(by_epoch=True, max_epochs=70, val_interval=5)
randomness = dict(seed=0)
train_dataloader = dict(batch_size=14)
auto_scale_lr = dict(base_batch_size=14)
model = dict(
    backbone=dict(
        depth=152,
        init_cfg=dict(type='Pretrained',
                      checkpoint='torchvision://resnet152')),
    neck=dict(type='PyramidPoolingNeck', in_channels=2048, bins=(1, 2, 3, 6)),
    head=dict(in_channels=4096, depth_bins=72, decoder={{_base_.codec}}))
default_hooks = dict(
    checkpoint=dict(
        type='CheckpointHook', interval=5, max_keep_ckpts=2,
        save_best='MPJPE', rule='less'))
