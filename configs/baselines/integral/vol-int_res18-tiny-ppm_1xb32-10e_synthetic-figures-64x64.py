# The tiny integral-regression network of
# vol-int_res18-tiny-ppm_1xb9-8e_h36m-mpii-sample-64x64.py (ResNet-18 at 1/8
# width, PPM bins 1, 2, three deconvs of 16, 18 x 8 depth bins) on the
# generated proxy figures (configs/_base_/datasets/
# synthetic_figures_volumetric_64x64.py; generate them first, see
# docs/synthetic_figures.md), with colour scaling and textured-polygon
# occlusion; no flip (the figures colour left and right limbs differently).
_base_ = [
    '../../_base_/default_runtime.py',
    '../../_base_/datasets/synthetic_figures_volumetric_64x64.py'
]
train_cfg = dict(by_epoch=True, max_epochs=10, val_interval=5)
randomness = dict(seed=0)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=2e-3))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[8], gamma=0.1)
]

codec = dict(
    type='VolumetricIntegralLabel', input_size=(64, 64), depth_range=2000.)  # as the base's
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.0),
    dict(type='AppendRootRelativeDepth'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='RandomChannelColorScale', scale_range=(0.8, 1.2)),
    dict(
        type='RandomSyntheticOcclusion',
        prob=0.5,
        max_occluders=3,
        shapes=('polygon', ),
        fill='texture',
        area_range=(0.01, 0.05)),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs', meta_keys={{_base_.meta_keys}}),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(
        type='ResNet', depth=18, stem_channels=8, base_channels=8),
    neck=dict(type='PyramidPoolingNeck', in_channels=64, bins=(1, 2)),
    head=dict(
        type='VolumetricIntegralHead',
        in_channels=128,
        num_keypoints=18,
        depth_bins=8,
        deconv_out_channels=(16, 16, 16),
        deconv_kernel_sizes=(4, 4, 4),
        final_layer=dict(kernel_size=1),
        loss=dict(type='L1Loss', use_target_weight=True),
        decoder=codec),
    test_cfg=dict(flip_test=False))
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=20),
    checkpoint=dict(
        type='CheckpointHook', interval=5, max_keep_ckpts=1,
        save_best='MPJPE', rule='less'))
