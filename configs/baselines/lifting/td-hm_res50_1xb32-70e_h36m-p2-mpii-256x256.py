# The 2D network of the heatmap + lifting baseline (seed report on 2D
# heatmaps + lifting; Martinez et al. 2017 use a stacked hourglass): MMPose
# ResNet-50 (ImageNet) + HeatmapHead with three 4x4 stride-2 deconvs (256) and
# a 1x1 conv to 18 heatmaps of 64x64 for a 256x256 crop; MSE heatmap loss.
# Human3.6M P2 + MPII (1:1 per batch), Adam 1e-4 x0.1 at 40 and 60, 70 epochs.
# Separate mode: train this and the lifter, then combine (see
# hm-lift_res50-separate_h36m-p2-256x256.py).
_base_ = [
    '../../_base_/default_runtime.py',
    '../../_base_/datasets/h36m-p2_mpii_heatmap_256x256.py'
]
train_cfg = dict(by_epoch=True, max_epochs=70, val_interval=5)
randomness = dict(seed=0)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-4))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[40, 60], gamma=0.1)
]
train_dataloader = dict(batch_size=32)
auto_scale_lr = dict(base_batch_size=32)

model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(
        type='ResNet',
        depth=50,
        init_cfg=dict(type='Pretrained',
                      checkpoint='torchvision://resnet50')),
    head=dict(
        type='HeatmapHead',
        in_channels=2048,
        out_channels=18,
        deconv_out_channels=(256, 256, 256),
        deconv_kernel_sizes=(4, 4, 4),
        loss=dict(type='KeypointMSELoss', use_target_weight=True),
        decoder={{_base_.heatmap_codec}}),
    test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True))
default_hooks = dict(
    checkpoint=dict(
        type='CheckpointHook', interval=5, max_keep_ckpts=2, save_best='EPE',
        rule='less'))
